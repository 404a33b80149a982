/*
 * Heap cost of a filled cache, in a process that holds nothing else (see
 * bench/scenarios/memory.ts). Run with --expose-gc. Prints heap and off-heap growth between
 * an empty and a filled cache, each measured after full collections, and the repository's
 * own estimate (stats().bytes).
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import { ContactRepository, type Contact } from '../../src/index.js'
import { attachBenchTable, type BenchTable } from '../lib/bench-table.js'
import { fixtureRow } from '../lib/contact-fixture.js'
import { createInMemoryContactsDb } from '../lib/in-memory-contacts-db.js'
import { probeInput, probeOutput } from '../lib/run-probe.js'
import { rowToContact } from '../lib/row-to-contact.js'

export interface HeapProbeInput {
  /** `repository`: a ContactRepository filled through getMany; `map`: plain Maps of the same Contacts. */
  readonly subject: 'repository' | 'map'
  readonly tenants: number
  readonly perTenant: number
  /** Where rows come from: the in-memory copy, or this MariaDB table (its tenants 1..n, IDs from 1). */
  readonly source: { readonly kind: 'memory' } | { readonly kind: 'mariadb'; readonly table: string }
}

export interface HeapProbeOutput {
  readonly entries: number
  readonly tenants: number
  /** Growth of V8's used heap. */
  readonly heapBytes: number
  /** Growth of memory outside the heap (typed array backing stores and other external memory). */
  readonly offHeapBytes: number
  /** The repository's stats().bytes after filling; null for maps. */
  readonly estimatedBytes: number | null
  readonly seconds: number
}

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('Run the heap probe with --expose-gc')

async function settledHeap(): Promise<{ heap: number; offHeap: number }> {
  // Several passes, with turns of the event loop between them for weak callbacks.
  for (let i = 0; i < 4; i++) {
    gc?.()
    await nextMacrotask()
  }
  const usage = process.memoryUsage()
  // `external` already includes `arrayBuffers` (typed arrays' backing stores).
  return { heap: usage.heapUsed, offHeap: usage.external }
}

const input = probeInput() as HeapProbeInput
const started = performance.now()
const entries = input.tenants * input.perTenant
// Tenant t owns IDs (t-1)*perTenant+1 .. t*perTenant, as the scenario laid out the table.
const ownerOf = (id: number): number => Math.ceil(id / input.perTenant)
let bench: BenchTable | undefined
const idsOf = (tenantId: number, from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => (tenantId - 1) * input.perTenant + from + i + 1)

let keep: unknown
let estimatedBytes: number | null = null
let before: { heap: number; offHeap: number }
if (input.subject === 'repository') {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is dynamic
  let db: Kysely<any>
  let table = 'contacts'
  if (input.source.kind === 'mariadb') {
    bench = attachBenchTable(input.source.table, 2)
    db = bench.db
    table = bench.table
  } else {
    db = createInMemoryContactsDb(ownerOf).db
  }
  const options = { db, table, maxEntries: entries + 1, maxEntriesPerTenant: entries + 1, maxBytes: 2 ** 40, ttl: 3_600_000 }
  // Load the code paths once in a repository of its own: compiled code is not the cache's
  // cost. The measured repository is built after the first reading, so that everything it
  // allocates (the frequency sketch included) counts.
  const warmup = new ContactRepository(options)
  await warmup.getMany(1, idsOf(1, 0, Math.min(input.perTenant, 10)))
  await warmup.close()
  before = await settledHeap()
  const repository = new ContactRepository(options)
  for (let t = 1; t <= input.tenants; t++) {
    for (let from = 0; from < input.perTenant; from += 1000) await repository.getMany(t, idsOf(t, from, Math.min(from + 1000, input.perTenant)))
  }
  const stats = repository.stats()
  if (stats.entries !== entries) throw new Error(`Expected ${entries} entries, the repository holds ${stats.entries}`)
  estimatedBytes = stats.bytes
  keep = repository
} else {
  before = await settledHeap()
  const tenants = new Map<number, Map<number, Contact>>()
  for (let t = 1; t <= input.tenants; t++) {
    const map = new Map<number, Contact>()
    for (const id of idsOf(t, 0, input.perTenant)) map.set(id, rowToContact(fixtureRow(id, t) as unknown as Record<string, unknown>))
    tenants.set(t, map)
  }
  keep = tenants
}
const after = await settledHeap()
await bench?.close()
probeOutput({
  entries,
  tenants: input.tenants,
  heapBytes: after.heap - before.heap,
  offHeapBytes: after.offHeap - before.offHeap,
  estimatedBytes,
  seconds: (performance.now() - started) / 1000,
} satisfies HeapProbeOutput)
// The cache must still be reachable when the heap is read.
if (keep === undefined) process.exitCode = 1
