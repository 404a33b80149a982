/*
 * The hit path at scale (see bench/scenarios/hit-path.ts): a repository holding every contact
 * of many tenants, and the floor, a Map per tenant holding the very same Contact objects (read
 * back from the repository), timed interleaved in one process. Each call asks for distinct
 * random cached IDs of a random tenant: at this size most lookups miss the CPU caches, which is
 * what the floor pays too.
 */
import { ContactRepository, type Contact } from '../../src/index.js'
import { createInMemoryContactsDb } from '../lib/in-memory-contacts-db.js'
import { measureInterleaved } from '../lib/measure.js'
import { createRandom } from '../lib/random.js'
import { probeInput, probeOutput } from '../lib/run-probe.js'

export interface HitPathScaleProbeInput {
  readonly tenants: number
  readonly perTenant: number
  readonly idsPerCall: number
  readonly rounds: number
  readonly timeMs: number
  readonly seed: number
}

export interface HitPathScaleProbeOutput {
  /** Per contender: milliseconds per call, one value per sample. */
  readonly samples: Record<'map-floor' | 'repository' | 'repository-call-only', number[]>
  readonly entries: number
  /** Queries sent while measured (all hits: 0 expected). */
  readonly queries: number
}

const input = probeInput() as HitPathScaleProbeInput
const { tenants, perTenant, idsPerCall } = input
const total = tenants * perTenant
// Tenant t owns IDs (t-1)*perTenant+1 .. t*perTenant.
const repository = new ContactRepository({
  db: createInMemoryContactsDb((id) => Math.ceil(id / perTenant)).db,
  maxEntries: total,
  maxEntriesPerTenant: total,
  maxBytes: 2 ** 40,
  ttl: 3_600_000,
})
const floor = new Map<number, Map<number, Contact>>()
for (let t = 1; t <= tenants; t++) {
  const ids = Array.from({ length: perTenant }, (_, i) => (t - 1) * perTenant + i + 1)
  const { rows } = await repository.getMany(t, ids)
  floor.set(t, new Map(rows.map((row) => [row.id, row])))
}
const warm = repository.stats().queries

const random = createRandom(input.seed)
const calls = Array.from({ length: 4096 }, () => {
  const tenantId = 1 + Math.floor(random() * tenants)
  const ids = new Set<number>()
  while (ids.size < idsPerCall) ids.add((tenantId - 1) * perTenant + 1 + Math.floor(random() * perTenant))
  return { tenantId, ids: [...ids] }
})
let f = 0
let r = 0
let c = 0
const next = (k: number): { tenantId: number; ids: number[] } => calls[k & 4095] as { tenantId: number; ids: number[] }
const measured = await measureInterleaved(
  [
    {
      name: 'map-floor',
      async: false,
      batch: 16,
      run: () => {
        const call = next(f++)
        const map = floor.get(call.tenantId)
        const rows: Contact[] = []
        const missing: number[] = []
        for (const id of call.ids) {
          const row = map?.get(id)
          if (row === undefined) missing.push(id)
          else rows.push(row)
        }
        return { rows, missing }
      },
    },
    { name: 'repository', async: true, batch: 16, run: () => { const call = next(r++); return repository.getMany(call.tenantId, call.ids) } },
    { name: 'repository-call-only', async: false, batch: 16, run: () => { const call = next(c++); return repository.getMany(call.tenantId, call.ids) } },
  ],
  { rounds: input.rounds, timeMs: input.timeMs, warmupMs: Math.min(200, input.timeMs) },
)
const samples = Object.fromEntries(measured.map((m) => [m.name, m.samples])) as HitPathScaleProbeOutput['samples']
probeOutput({ samples, entries: repository.stats().entries, queries: repository.stats().queries - warm } satisfies HitPathScaleProbeOutput)
