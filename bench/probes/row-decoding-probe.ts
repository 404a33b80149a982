/*
 * Row decoding in a process of its own (see bench/scenarios/miss-path.ts): reads one list's
 * rows as each route's driver returns them, then times the decoders with tinybench and
 * prints the samples (ms per list of rows) as JSON.
 *
 * Why a fresh process: once a repository has cached contacts, V8 pretenures the allocation
 * site of the decoder that made them (its objects survive, so it allocates them straight in
 * old space, a write barrier per string stored): that decoder then runs several times slower
 * than one whose site never saw a survivor. In the scenario's own process only the current
 * decoder has fed a cache, which would compare it unfairly with the previous one.
 */
import type { ContactRow } from '../../src/contacts/contact-row.js'
import { contactRowOf, decodeContactRow } from '../../src/contacts/contact-row.js'
import { compileContactsSelect, selectContacts } from '../../src/contacts/contacts-query.js'
import { attachBenchTable } from '../lib/bench-table.js'
import { measureInterleaved } from '../lib/measure.js'
import { decodeContactRowBefore, type PreviousContactRow } from '../lib/previous-row-decoder.js'
import { probeInput, probeOutput } from '../lib/run-probe.js'

export interface RowDecodingProbeInput {
  readonly table: string
  readonly tenantId: number
  readonly ids: readonly number[]
  readonly rounds: number
  readonly timeMs: number
  readonly warmupMs: number
}

/** Milliseconds per list of rows, one value per sample, per decoder. */
export type RowDecodingProbeOutput = Record<'before' | 'prepared' | 'fallback', number[]>

const input = probeInput() as RowDecodingProbeInput
const { tenantId, ids } = input
const bench = attachBenchTable(input.table, 1)
let prepared: ContactRow[]
let records: PreviousContactRow[]
try {
  // The prepared route's statement (dates formatted by the server), rows as arrays.
  const statement = compileContactsSelect(bench.db, bench.table, ids.length, 'iso')
  prepared = (await bench.pool.execute({ sql: statement.compiled.sql, rowsAsArray: true }, statement.bind(tenantId, ids) as number[]))[0] as ContactRow[]
  // kysely's text protocol: rows keyed by column, dates cast to text.
  records = await selectContacts(bench.db, bench.table, tenantId, ids, 'cast').execute()
} finally {
  await bench.close()
}
if (prepared.length !== ids.length || records.length !== ids.length) throw new Error('Expected a row per ID on both routes')

let sink: unknown
const decoders: [keyof RowDecodingProbeOutput, () => void][] = [
  ['before', () => { for (const record of records) sink = decodeContactRowBefore(record, tenantId) }],
  ['prepared', () => { for (const row of prepared) sink = decodeContactRow(row, tenantId) }],
  ['fallback', () => { for (const record of records) sink = decodeContactRow(contactRowOf(record), tenantId) }],
]
const measured = await measureInterleaved(
  decoders.map(([name, run]) => ({ name, run, async: false, batch: 20 })),
  { rounds: input.rounds, timeMs: input.timeMs, warmupMs: input.warmupMs, minSamples: 3 },
)
if (sink === undefined) throw new Error('Nothing was decoded')
const output: Partial<RowDecodingProbeOutput> = {}
for (const m of measured) output[m.name as keyof RowDecodingProbeOutput] = m.samples
probeOutput(output)
