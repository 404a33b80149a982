import DataLoader from 'dataloader'
import { sql } from 'kysely'
import { ContactRepository, type Contact } from '../../src/index.js'
import { fillTenants, openBenchTable, type BenchTable } from '../lib/bench-table.js'
import { formatDuration, formatNumber } from '../lib/format.js'
import { summarize } from '../lib/percentiles.js'
import { createRandom } from '../lib/random.js'
import { rowToContact } from '../lib/row-to-contact.js'
import type { Scenario, TargetCheck } from '../lib/scenario.js'
import { layTenants } from '../lib/tenant-layout.js'

const CALLS = 1_000
const TENANTS = 10
const POOL = 4

/** A burst: CALLS calls made in the same tick, each a tenant and its IDs. */
interface Burst {
  readonly key: 'identical' | 'overlapping'
  readonly title: string
  readonly calls: readonly { readonly tenantId: number; readonly ids: readonly number[] }[]
  /** Queries a perfect coalescer sends: one per tenant. */
  readonly ideal: number
}

/** One way of answering a burst, made fresh (cold) for every burst. */
interface Contender {
  readonly name: string
  readonly start: () => { readonly call: (tenantId: number, ids: readonly number[]) => Promise<{ rows: readonly Contact[] }>; readonly queries: () => number }
}

const scenario: Scenario = {
  id: 'concurrency',
  title: 'Concurrency: 1,000 concurrent calls on a cold cache',
  order: 5,
  measures: '1,000 concurrent calls on a cold cache: queries sent, p99',
  against: 'DataLoader 2 per tenant, no coalescing',
  async run({ quick, log }) {
    const layout = layTenants({ totalIds: TENANTS * 1_000, tenants: TENANTS, skew: 0 })
    const bench = await openBenchTable('concurrency', POOL)
    const rounds = quick ? 1 : 10
    try {
      await fillTenants(bench, layout)
      const random = createRandom(5)
      const first = layout[0]
      if (first === undefined) throw new Error('no tenant')
      const identicalIds = Array.from({ length: 50 }, (_, i) => first.firstId + i * 7)
      const bursts: Burst[] = [
        { key: 'identical', title: `${formatNumber(CALLS)} identical calls: tenant 1, the same 50 IDs`, calls: Array.from({ length: CALLS }, () => ({ tenantId: first.tenantId, ids: identicalIds })), ideal: 1 },
        {
          key: 'overlapping',
          title: `${formatNumber(CALLS)} overlapping calls: ${TENANTS} tenants, 20 IDs each out of the tenant's 100 hottest`,
          calls: Array.from({ length: CALLS }, (_, i) => {
            const tenant = layout[i % TENANTS] ?? first
            const ids = new Set<number>()
            while (ids.size < 20) ids.add(tenant.firstId + Math.floor(random() * 100))
            return { tenantId: tenant.tenantId, ids: [...ids] }
          }),
          ideal: TENANTS,
        },
      ]
      const contenders: Contender[] = [
        {
          name: 'ContactRepository.getMany',
          start: () => {
            const repository = new ContactRepository({ db: bench.db, table: bench.table, maxConcurrentQueries: POOL })
            return { call: (tenantId, ids) => repository.getMany(tenantId, ids), queries: () => repository.stats().queries }
          },
        },
        {
          name: 'DataLoader 2 per tenant, loadMany (batch = one IN query)',
          start: () => {
            let queries = 0
            const loaders = new Map<number, DataLoader<number, Contact | null>>()
            const loaderOf = (tenantId: number): DataLoader<number, Contact | null> => {
              let loader = loaders.get(tenantId)
              if (loader === undefined) {
                loader = new DataLoader<number, Contact | null>(async (keys) => {
                  queries++
                  const found = new Map((await selectIn(bench, tenantId, keys)).map((row) => [row.id, row]))
                  return keys.map((key) => found.get(key) ?? null)
                })
                loaders.set(tenantId, loader)
              }
              return loader
            }
            return {
              call: async (tenantId, ids) => {
                const values = await loaderOf(tenantId).loadMany(ids)
                const rows: Contact[] = []
                for (const value of values) {
                  if (value instanceof Error) throw value
                  if (value !== null) rows.push(value)
                }
                return { rows }
              },
              queries: () => queries,
            }
          },
        },
        {
          name: 'no coalescing: one IN query per call',
          start: () => {
            let queries = 0
            return {
              call: async (tenantId, ids) => {
                queries++
                return { rows: await selectIn(bench, tenantId, ids) }
              },
              queries: () => queries,
            }
          },
        },
      ]

      const results: { burst: Burst['key']; contender: string; latencies: number[]; queries: number[]; bursts: number[] }[] = []
      for (const burst of bursts) for (const c of contenders) results.push({ burst: burst.key, contender: c.name, latencies: [], queries: [], bursts: [] })
      // Round 0 is a warm-up (JIT, prepared connections): run, checked, not recorded.
      for (let round = 0; round <= rounds; round++) {
        for (const burst of bursts) {
          for (let k = 0; k < contenders.length; k++) {
            const contender = contenders[(k + round) % contenders.length] as Contender
            const record = round === 0 ? undefined : results.find((r) => r.burst === burst.key && r.contender === contender.name)
            const { call, queries } = contender.start()
            const before = queries()
            const latencies: number[] = []
            const started = performance.now()
            // Every call is made in this same tick, as by concurrent requests.
            await Promise.all(
              burst.calls.map(async ({ tenantId, ids }) => {
                const t0 = performance.now()
                const { rows } = await call(tenantId, ids)
                latencies.push(performance.now() - t0)
                if (rows.length !== ids.length) throw new Error(`${contender.name}: ${rows.length} rows for ${ids.length} IDs`)
              }),
            )
            record?.bursts.push(performance.now() - started)
            record?.latencies.push(...latencies)
            record?.queries.push(queries() - before)
          }
        }
        if (round > 0) log(`round ${round} of ${rounds} done`)
      }

      const summary = results.map((r) => {
        const latency = summarize(r.latencies)
        return {
          burst: r.burst,
          contender: r.contender,
          queriesMin: Math.min(...r.queries),
          queriesMax: Math.max(...r.queries),
          p50Ms: latency.p50,
          p99Ms: latency.p99,
          burstMs: summarize(r.bursts).p50,
        }
      })
      const repo = (key: Burst['key']): (typeof summary)[number] | undefined => summary.find((s) => s.burst === key && s.contender === 'ContactRepository.getMany')
      const identical = repo('identical')
      const overlapping = repo('overlapping')
      const queriesText = (s: (typeof summary)[number] | undefined): string => (s === undefined ? 'n/a' : s.queriesMin === s.queriesMax ? formatNumber(s.queriesMin) : `${formatNumber(s.queriesMin)} to ${formatNumber(s.queriesMax)}`)
      const targets: TargetCheck[] = [
        {
          target: `Concurrency: ${formatNumber(CALLS)} identical cold calls send 1 query`,
          measured: `${queriesText(identical)} quer${identical?.queriesMax === 1 ? 'y' : 'ies'} per burst (${rounds} burst${rounds === 1 ? '' : 's'}); p99 ${formatDuration(identical?.p99Ms ?? NaN)}`,
          met: identical === undefined ? undefined : identical.queriesMax === 1,
        },
        {
          target: `Concurrency goal: 1 query per tenant per tick (${formatNumber(CALLS)} overlapping calls, ${TENANTS} tenants)`,
          measured: `${queriesText(overlapping)} queries per burst for ${TENANTS} tenants; p99 ${formatDuration(overlapping?.p99Ms ?? NaN)}`,
          met: overlapping === undefined ? undefined : overlapping.queriesMax === TENANTS,
        },
      ]
      return {
        method: [
          `${TENANTS} tenants of 1,000 contacts on MariaDB, one mysql2 pool of ${POOL} connections (the repository may run ${POOL} queries at once). A burst makes all ${formatNumber(CALLS)} calls in the same tick, on a cold cache: a new repository, new DataLoaders, for every burst.`,
          'Latency of a call: from the moment it is made until its promise settles, so calls queued behind others count their wait. Queries: the repository\'s stats().queries, DataLoader\'s batch function calls, one per call without coalescing. Every call\'s rows are checked.',
          `${rounds} burst${rounds === 1 ? '' : 's'} per case and contender after one warm-up burst each, contenders interleaved (their order rotates each round). DataLoader's batch function and the no-coalescing baseline send the same Kysely query as the repository.`,
        ],
        tables: bursts.map((burst) => ({
          title: burst.title,
          columns: ['Contender', 'queries per burst', 'per call p50', 'per call p99', 'whole burst (p50)'],
          rows: summary
            .filter((s) => s.burst === burst.key)
            .map((s) => [s.contender, queriesText(s), formatDuration(s.p50Ms), formatDuration(s.p99Ms), formatDuration(s.burstMs)]),
          note: `A perfect coalescer sends ${burst.ideal} quer${burst.ideal === 1 ? 'y' : 'ies'} here (one per tenant).`,
        })),
        targets,
        charts: [
          {
            kind: 'bars',
            id: 'latency',
            title: `Concurrency: p99 latency per call in a burst of ${formatNumber(CALLS)}, lower is better`,
            unit: 'milliseconds (p99 per call)',
            log: true,
            groups: bursts.map((burst) => ({
              label: burst.title,
              bars: summary.filter((s) => s.burst === burst.key).map((s) => ({ label: `${s.contender} (${queriesText(s)} queries)`, value: s.p99Ms })),
            })),
          },
        ],
        figures: { calls: CALLS, rounds, poolSize: POOL, results: summary },
      }
    } finally {
      await bench.close()
    }
  },
}
export default scenario

/** The repository's query for `ids` of one tenant, sent through Kysely, rows as Contacts. */
async function selectIn(bench: BenchTable, tenantId: number, ids: readonly number[]): Promise<Contact[]> {
  const rows = await bench.db
    .selectFrom(bench.table)
    .select([
      'id', 'tenant_id', 'first_name', 'last_name', 'company_name', 'email', 'phone', 'type',
      sql<string>`cast(${sql.ref('created_at')} as char)`.as('created_at'),
      sql<string>`cast(${sql.ref('updated_at')} as char)`.as('updated_at'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', [...new Set(ids)])
    .execute()
  return (rows as Record<string, unknown>[]).map(rowToContact)
}
