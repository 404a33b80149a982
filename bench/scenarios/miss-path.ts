import { sql } from 'kysely'
import { ContactRepository } from '../../src/index.js'
import { fillTenants, openBenchTable, selectContactsSql } from '../lib/bench-table.js'
import { formatDuration, formatNumber, formatRatio } from '../lib/format.js'
import { measureInterleaved, type Contender } from '../lib/measure.js'
import { createRandom } from '../lib/random.js'
import type { Scenario, TargetCheck } from '../lib/scenario.js'
import { layTenants } from '../lib/tenant-layout.js'

const IDS = 50
const POOL = 4
const BASELINE = 'raw mysql2 execute (prepared), one IN query'
const REPOSITORY = 'ContactRepository.getMany, 50 misses'
const KYSELY = 'raw Kysely query (text protocol), one IN query'
const BYPASS = "ContactRepository.getMany, cache: 'bypass' (no cache work)"

const scenario: Scenario = {
  id: 'miss-path',
  title: '2. Miss path: getMany of 50 IDs, none cached',
  order: 2,
  async run({ quick, log }) {
    const layout = layTenants({ totalIds: 40_000, tenants: 4, skew: 0 })
    const tenant = layout[0]
    if (tenant === undefined) throw new Error('no tenant')
    const bench = await openBenchTable('miss', POOL)
    try {
      await fillTenants(bench, layout)
      const { db, pool, table } = bench
      const repository = new ContactRepository({ db, table, maxConcurrentQueries: POOL })
      // Keep the tenant's partition alive with contacts the lists never ask for: a miss in
      // steady state finds the partition there, and creating one is not what is measured.
      const listRange = Math.floor(tenant.size / 2)
      await repository.getMany(tenant.tenantId, Array.from({ length: 500 }, (_, i) => tenant.firstId + listRange + i))
      const random = createRandom(7)
      const lists = Array.from({ length: 256 }, () => {
        const set = new Set<number>()
        while (set.size < IDS) set.add(tenant.firstId + Math.floor(random() * listRange))
        return [...set]
      })
      const inQuery = selectContactsSql(table, IDS)
      const oneQuery = selectContactsSql(table, 1)
      const sent = new Map<string, number>()
      const count = (name: string, queries: number): void => {
        sent.set(name, (sent.get(name) ?? 0) + queries)
      }
      const calls = new Map<string, number>()
      // Every contender walks the same lists in the same order, counting its calls.
      const walker = (name: string): (() => number[]) => {
        let i = 0
        return () => {
          calls.set(name, (calls.get(name) ?? 0) + 1)
          return lists[i++ & 255] as number[]
        }
      }
      const expectRows = (rows: unknown): void => {
        if (!Array.isArray(rows) || rows.length !== IDS) throw new Error(`Expected ${IDS} rows, got ${Array.isArray(rows) ? rows.length : typeof rows}`)
      }
      const contenders: Contender[] = [
        (() => {
          const next = walker(BASELINE)
          return {
            name: BASELINE,
            async: true,
            run: async () => {
              const [rows] = await pool.execute(inQuery, [tenant.tenantId, ...next()])
              count(BASELINE, 1)
              expectRows(rows)
            },
          }
        })(),
        (() => {
          const name = 'raw mysql2 query (text protocol), one IN query'
          const next = walker(name)
          return {
            name,
            async: true,
            run: async () => {
              const [rows] = await pool.query(inQuery, [tenant.tenantId, ...next()])
              count(name, 1)
              expectRows(rows)
            },
          }
        })(),
        (() => {
          const next = walker(KYSELY)
          return {
            name: KYSELY,
            async: true,
            run: async () => {
              const rows = await db
                .selectFrom(table)
                .select([
                  'id', 'tenant_id', 'first_name', 'last_name', 'company_name', 'email', 'phone', 'type',
                  sql<string>`cast(${sql.ref('created_at')} as char)`.as('created_at'),
                  sql<string>`cast(${sql.ref('updated_at')} as char)`.as('updated_at'),
                ])
                .where('tenant_id', '=', tenant.tenantId)
                .where('id', 'in', next())
                .execute()
              count(KYSELY, 1)
              expectRows(rows)
            },
          }
        })(),
        (() => {
          const next = walker(REPOSITORY)
          let ids: number[] = []
          return {
            name: REPOSITORY,
            async: true,
            // Forget exactly the IDs of the next call, outside the timed window.
            prepare: () => {
              ids = next()
              return repository.invalidate(tenant.tenantId, ids)
            },
            run: async () => {
              const result = await repository.getMany(tenant.tenantId, ids)
              expectRows(result.rows)
            },
          }
        })(),
        (() => {
          const next = walker(BYPASS)
          return {
            name: BYPASS,
            async: true,
            run: async () => {
              const result = await repository.getMany(tenant.tenantId, next(), { cache: 'bypass' })
              expectRows(result.rows)
            },
          }
        })(),
        (() => {
          const name = '50 single-row queries, sequential (N+1)'
          const next = walker(name)
          return {
            name,
            async: true,
            run: async () => {
              const rows: unknown[] = []
              for (const id of next()) {
                const [found] = await pool.execute(oneQuery, [tenant.tenantId, id])
                rows.push(...(found as unknown[]))
              }
              count(name, IDS)
              expectRows(rows)
            },
          }
        })(),
        (() => {
          const name = `50 single-row queries, concurrent (pool of ${POOL})`
          const next = walker(name)
          return {
            name,
            async: true,
            run: async () => {
              const results = await Promise.all(next().map((id) => pool.execute(oneQuery, [tenant.tenantId, id])))
              count(name, IDS)
              expectRows(results.flatMap(([found]) => found as unknown[]))
            },
          }
        })(),
      ]
      log(`${contenders.length} contenders`)
      const measured = await measureInterleaved(contenders, quick ? { rounds: 1, timeMs: 30, warmupMs: 10, minSamples: 3 } : { rounds: 8, timeMs: 300, warmupMs: 100 })
      // Queries per call of the repository's contenders, by its own count (stats().queries), in
      // an untimed pass: reading stats() inside the timed window would add its own cost.
      for (const name of [REPOSITORY, BYPASS]) {
        const contender = contenders.find((c) => c.name === name)
        if (contender === undefined) continue
        const passes = 20
        const before = repository.stats().queries
        for (let i = 0; i < passes; i++) {
          await contender.prepare?.()
          await contender.run()
        }
        count(name, repository.stats().queries - before)
        calls.set(name, passes)
      }

      const baseline = measured.find((m) => m.name === BASELINE)?.perOperationMs.p50 ?? NaN
      const kysely = measured.find((m) => m.name === KYSELY)?.perOperationMs.p50 ?? NaN
      const rows = measured.map((m) => ({
        name: m.name,
        p50Ms: m.perOperationMs.p50,
        p99Ms: m.perOperationMs.p99,
        meanMs: m.perOperationMs.mean,
        samples: m.perOperationMs.count,
        ratio: m.perOperationMs.p50 / baseline,
        ratioP99: m.perOperationMs.p99 / (measured.find((b) => b.name === BASELINE)?.perOperationMs.p99 ?? NaN),
        cpuMs: m.cpuMsPerOperation,
        queriesPerCall: (sent.get(m.name) ?? 0) / (calls.get(m.name) ?? NaN),
      }))
      const repo = rows.find((r) => r.name === REPOSITORY)
      const targets: TargetCheck[] = [
        {
          target: 'Miss path, 50 IDs: p50 at most 1.1x one raw mysql2 IN query',
          measured: repo === undefined ? 'n/a' : `${formatRatio(repo.ratio)} (${formatDuration(repo.p50Ms)} vs ${formatDuration(baseline)})`,
          met: quick || repo === undefined ? undefined : repo.ratio <= 1.1,
        },
        {
          target: 'Miss path, 50 IDs: exactly one query per call',
          measured: repo === undefined ? 'n/a' : `${formatNumber(repo.queriesPerCall)} queries per call (stats().queries)`,
          met: repo === undefined ? undefined : repo.queriesPerCall === 1,
        },
      ]
      return {
        method: [
          `Tenant 1 of 4 (10,000 contacts each) on MariaDB over loopback TCP, one mysql2 pool of ${POOL} connections shared by every contender (the repository is allowed ${POOL} concurrent queries). Each call asks for 50 distinct existing IDs: the same 256 lists, in the same order, for every contender; every contender gets the same 50 rows with the same columns (dates cast to text, as the repository selects them).`,
          "Before each repository call (outside the timed window) exactly that call's 50 IDs are invalidated, so all 50 miss while the tenant's partition stays, as in steady state. The 'bypass' row goes through the same batch loader, query and row decoding but neither reads nor fills the cache: the difference between the two repository rows is the cache's own work.",
          `tinybench, ${quick ? '1 round' : '8 rounds of 300 ms'} per contender, interleaved, GC between contenders; every call timed on its own. "Node CPU per call" is this process's CPU time over the contender's runs divided by its calls (warm-up included): the part of the latency that is not waiting for MariaDB.`,
          `The repository's overhead over the same query sent through Kysely is ${repo === undefined ? 'n/a' : formatDuration(repo.p50Ms - kysely)} at p50: Kysely always sends the text protocol (mysql2 query), never prepared statements.`,
        ],
        tables: [
          {
            title: 'getMany of 50 IDs, all missing from the cache',
            columns: ['Contender', 'p50', 'p99', 'mean', 'ratio to raw mysql2 (p50)', 'ratio (p99)', 'Node CPU per call', 'queries per call', 'samples'],
            rows: rows.map((r) => [
              r.name,
              formatDuration(r.p50Ms),
              formatDuration(r.p99Ms),
              formatDuration(r.meanMs),
              formatRatio(r.ratio),
              formatRatio(r.ratioP99),
              formatDuration(r.cpuMs),
              formatNumber(r.queriesPerCall),
              r.samples,
            ]),
          },
        ],
        targets,
        charts: [
          {
            kind: 'bars',
            id: 'latency',
            title: 'Miss path, 50 IDs: latency per call, lower is better',
            unit: 'microseconds per call',
            log: true,
            groups: [
              { label: 'p50', bars: rows.map((r) => ({ label: r.name, value: r.p50Ms * 1000 })) },
              { label: 'p99', bars: rows.map((r) => ({ label: r.name, value: r.p99Ms * 1000 })) },
            ],
          },
        ],
        figures: { poolSize: POOL, ids: IDS, results: rows },
      }
    } finally {
      await bench.close()
    }
  },
}
export default scenario
