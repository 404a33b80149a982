import { Kysely, sql } from 'kysely'
import { ContactRepository } from '../../src/index.js'
import { compileContactsSelect, paddedSizes } from '../../src/contacts/contacts-query.js'
import { createMysqlDialect } from '../../src/mysql/index.js'
import { MYSQL_URL, fillTenants, openBenchTable, selectContactsSql } from '../lib/bench-table.js'
import { formatDuration, formatNumber, formatRatio } from '../lib/format.js'
import { measureInterleaved, type Contender, type Measured } from '../lib/measure.js'
import { runProbe } from '../lib/run-probe.js'
import type { RowDecodingProbeInput, RowDecodingProbeOutput } from '../probes/row-decoding-probe.js'
import { quantile } from '../lib/percentiles.js'
import { createRandom } from '../lib/random.js'
import type { Scenario, TargetCheck } from '../lib/scenario.js'
import { layTenants } from '../lib/tenant-layout.js'

const IDS = 50
const POOL = 4
const BASELINE = 'raw mysql2 execute (prepared), one IN query'
const KYSELY = 'raw Kysely query (text protocol), one IN query'
const OURS_WARM = 'getMany over contact-repository/mysql, 50 misses, warm partition'
const OURS_COLD = 'getMany over contact-repository/mysql, 50 misses, cold tenant'
const PLAIN_WARM = "getMany over kysely's MysqlDialect, 50 misses, warm partition"
const PLAIN_COLD = "getMany over kysely's MysqlDialect, 50 misses, cold tenant"
const BYPASS = "getMany over contact-repository/mysql, cache: 'bypass' (no cache work)"
const REPOSITORY_ROWS = [OURS_WARM, OURS_COLD, PLAIN_WARM, PLAIN_COLD, BYPASS]

const scenario: Scenario = {
  id: 'miss-path',
  title: 'Miss path: getMany of 50 IDs, none cached',
  order: 2,
  measures: 'getMany of 50 uncached IDs: p50/p99, Node CPU, queries and statements per connection, row decoding',
  against: 'one raw mysql2 `execute` of the same IN query, mysql2 `query`, the same query through Kysely, 50 single-row queries in sequence and concurrently; the previous row decoder',
  async run({ quick, log }) {
    const layout = layTenants({ totalIds: 40_000, tenants: 4, skew: 0 })
    const tenant = layout[0]
    if (tenant === undefined) throw new Error('no tenant')
    const tenantId = tenant.tenantId
    const bench = await openBenchTable('miss', POOL)
    const ourDialect = createMysqlDialect({ connection: MYSQL_URL, connectionLimit: POOL })
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is dynamic
    const ours = new Kysely<any>({ dialect: ourDialect })
    try {
      await fillTenants(bench, layout)
      const { db, pool, table } = bench
      const repositoryOver = (kysely: typeof db): ContactRepository => new ContactRepository({ db: kysely, table, maxConcurrentQueries: POOL })
      const viaOurs = repositoryOver(ours)
      const viaPlain = repositoryOver(db)
      // Keep the tenant's partition alive with contacts the lists never ask for: a miss in
      // steady state finds the partition there, and creating one is not what is measured.
      const listRange = Math.floor(tenant.size / 2)
      const keepAlive = Array.from({ length: 500 }, (_, i) => tenant.firstId + listRange + i)
      await viaOurs.getMany(tenantId, keepAlive)
      await viaPlain.getMany(tenantId, keepAlive)
      const random = createRandom(7)
      const lists = Array.from({ length: 256 }, () => {
        const set = new Set<number>()
        while (set.size < IDS) set.add(tenant.firstId + Math.floor(random() * listRange))
        return [...set]
      })
      // The repository's own prepared statement, unpadded: what a hand-written execute sends.
      const statement = compileContactsSelect(ours, table, IDS, 'iso')
      const bind = (ids: readonly number[]): (string | number)[] => statement.bind(tenantId, ids) as (string | number)[]
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
      const raw = (name: string, run: (ids: number[]) => Promise<unknown>): Contender => {
        const next = walker(name)
        return {
          name,
          async: true,
          run: async () => {
            expectRows(await run(next()))
            count(name, 1)
          },
        }
      }
      // CPU spent in the untimed invalidations, per contender, to report CPU per call without it.
      const preparing = new Map<string, { ms: number; calls: number }>()
      const repositoryContender = (name: string, repository: ContactRepository, before: 'ids' | 'tenant' | 'none'): Contender => {
        const next = walker(name)
        let ids: number[] = []
        const account = { ms: 0, calls: 0 }
        preparing.set(name, account)
        return {
          name,
          async: true,
          // Outside the timed window: forget exactly the next call's IDs (the partition stays),
          // or the whole tenant (its partition is dropped and made again by the call).
          prepare: async () => {
            ids = next()
            const started = process.cpuUsage()
            // (A cold-tenant call ends by making the partition again: the next warm call finds one.)
            if (before === 'ids') await repository.invalidate(tenantId, ids)
            else if (before === 'tenant') await repository.invalidateTenant(tenantId)
            const used = process.cpuUsage(started)
            account.ms += (used.user + used.system) / 1000
            account.calls++
          },
          run: async () => {
            const result = await repository.getMany(tenantId, ids, before === 'none' ? { cache: 'bypass' } : undefined)
            expectRows(result.rows)
          },
        }
      }
      const contenders: Contender[] = [
        raw(BASELINE, async (ids) => (await pool.execute(statement.compiled.sql, bind(ids)))[0]),
        raw('raw mysql2 execute, rows as arrays (as the repository reads them)', async (ids) =>
          (await pool.execute({ sql: statement.compiled.sql, rowsAsArray: true }, bind(ids)))[0]),
        raw('raw mysql2 query (text protocol), one IN query', async (ids) => (await pool.query(statement.compiled.sql, bind(ids)))[0]),
        raw(KYSELY, (ids) =>
          db
            .selectFrom(table)
            .select([
              'id', 'tenant_id', 'first_name', 'last_name', 'company_name', 'email', 'phone', 'type',
              sql<string>`cast(${sql.ref('created_at')} as char)`.as('created_at'),
              sql<string>`cast(${sql.ref('updated_at')} as char)`.as('updated_at'),
            ])
            .where('tenant_id', '=', tenantId)
            .where('id', 'in', ids)
            .execute()),
        repositoryContender(OURS_WARM, viaOurs, 'ids'),
        repositoryContender(OURS_COLD, viaOurs, 'tenant'),
        repositoryContender(PLAIN_WARM, viaPlain, 'ids'),
        repositoryContender(PLAIN_COLD, viaPlain, 'tenant'),
        repositoryContender(BYPASS, viaOurs, 'none'),
        raw('50 single-row queries, sequential (N+1)', async (ids) => {
          const rows: unknown[] = []
          for (const id of ids) rows.push(...((await pool.execute(oneQuery, [tenantId, id]))[0] as unknown[]))
          count('50 single-row queries, sequential (N+1)', IDS - 1)
          return rows
        }),
        raw(`50 single-row queries, concurrent (pool of ${POOL})`, async (ids) => {
          const results = await Promise.all(ids.map((id) => pool.execute(oneQuery, [tenantId, id])))
          count(`50 single-row queries, concurrent (pool of ${POOL})`, IDS - 1)
          return results.flatMap(([found]) => found as unknown[])
        }),
      ]
      log(`${contenders.length} contenders`)
      const measured = await measureInterleaved(
        contenders,
        quick ? { rounds: 1, timeMs: 30, warmupMs: 10, minSamples: 3 } : { rounds: 8, timeMs: 300, warmupMs: 100 },
      )

      const cpuAccounts = new Map([...preparing].map(([name, account]) => [name, { ...account }]))
      // Untimed checks of the repository over contact-repository/mysql.
      // Queries per call, by the repository's own count (stats().queries): reading it inside
      // the timed window would add its own cost.
      for (const [name, repository] of [[OURS_WARM, viaOurs], [OURS_COLD, viaOurs], [PLAIN_WARM, viaPlain], [PLAIN_COLD, viaPlain], [BYPASS, viaOurs]] as const) {
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
      // 1,000 identical calls on a cold tenant at once.
      await viaOurs.invalidateTenant(tenantId)
      const burstBefore = viaOurs.stats().queries
      await Promise.all(Array.from({ length: quick ? 100 : 1000 }, () => viaOurs.getMany(tenantId, lists[0] as number[])))
      const burstQueries = viaOurs.stats().queries - burstBefore
      // Statements held per connection after calls of every size up to maxBatchSize.
      const maxBatchSize = 1000
      const sizes = random
      for (let i = 0; i < (quick ? 200 : 2000); i++) {
        const n = 1 + Math.floor(sizes() * maxBatchSize)
        await viaOurs.getMany(tenantId, Array.from({ length: n }, (_, k) => tenant.firstId + ((i * 31 + k) % tenant.size)), { cache: 'bypass' })
      }
      const stats = ourDialect.poolStats()
      const statementBound = paddedSizes(maxBatchSize).length

      log('row decoding, in a probe process')
      const decoding = await measureDecoding(table, tenantId, lists[0] as number[], quick)

      const byName = (name: string): Measured | undefined => measured.find((m) => m.name === name)
      const baseline = byName(BASELINE)
      const baseP50 = baseline?.perOperationMs.p50 ?? NaN
      const baseP99 = baseline?.perOperationMs.p99 ?? NaN
      const baseCpu = baseline?.cpuMsPerOperation ?? NaN
      const cpuOf = (m: Measured): number => {
        const prepared = cpuAccounts.get(m.name)
        return prepared === undefined || prepared.calls === 0 ? m.cpuMsPerOperation : m.cpuMsPerOperation - prepared.ms / prepared.calls
      }
      const rows = measured.map((m) => ({
        name: m.name,
        p50Ms: m.perOperationMs.p50,
        p99Ms: m.perOperationMs.p99,
        meanMs: m.perOperationMs.mean,
        samples: m.perOperationMs.count,
        ratio: m.perOperationMs.p50 / baseP50,
        ratioP99: m.perOperationMs.p99 / baseP99,
        cpuMs: cpuOf(m),
        cpuRatio: cpuOf(m) / baseCpu,
        queriesPerCall: (sent.get(m.name) ?? 0) / (calls.get(m.name) ?? NaN),
      }))
      const row = (name: string): (typeof rows)[number] | undefined => rows.find((r) => r.name === name)
      const kysely = row(KYSELY)
      const met = (value: boolean): boolean | undefined => (quick ? undefined : value)
      const targets: TargetCheck[] = []
      for (const name of [OURS_WARM, OURS_COLD]) {
        const r = row(name)
        if (r === undefined) continue
        const which = name === OURS_WARM ? 'warm partition' : 'cold tenant'
        targets.push(
          {
            target: `Miss path, 50 IDs, ${which}: p50 at most 1.1x one raw mysql2 execute`,
            measured: `${formatRatio(r.ratio)} (${formatDuration(r.p50Ms)} vs ${formatDuration(baseP50)})`,
            met: met(r.ratio <= 1.1),
          },
          {
            target: `Miss path, 50 IDs, ${which}: p99 at most 1.5x raw execute's p99`,
            measured: `${formatRatio(r.ratioP99)} (${formatDuration(r.p99Ms)} vs ${formatDuration(baseP99)})`,
            met: met(r.ratioP99 <= 1.5),
          },
          {
            target: `Miss path, 50 IDs, ${which}: Node CPU per call at most 1.3x raw execute's`,
            measured: `${formatRatio(r.cpuRatio)} (${formatDuration(r.cpuMs)} vs ${formatDuration(baseCpu)})`,
            met: met(r.cpuRatio <= 1.3),
          },
        )
      }
      const perCall = REPOSITORY_ROWS.map((name) => row(name)?.queriesPerCall ?? NaN)
      targets.push(
        {
          target: 'Miss path, 50 IDs: exactly one query per call (every repository row), and 1,000 identical cold calls send one',
          measured: `${perCall.map((q) => formatNumber(q)).join(' / ')} queries per call (stats().queries); ${burstQueries} for ${quick ? 100 : 1000} identical cold calls`,
          met: perCall.every((q) => q === 1) && burstQueries === 1,
        },
        {
          target: `Statements held per connection: at most ceil(log2(maxBatchSize)) + 1 (${statementBound} at maxBatchSize ${maxBatchSize})`,
          measured: `${stats.maxPreparedStatementsPerConnection} at most on one connection, ${stats.preparedStatements} on ${stats.connections} connections, after ${quick ? 200 : 2000} calls of random sizes 1-${maxBatchSize}`,
          met: stats.maxPreparedStatementsPerConnection <= statementBound,
        },
        {
          target: 'Row decoding at half the cost per row before issue 10',
          measured: `${formatRatio(decoding.ratio)} at p50 (${formatNumber(decoding.prepared)} ns vs ${formatNumber(decoding.before)} ns per row); ${formatRatio(decoding.fastest.prepared / decoding.fastest.before)} at p10`,
          met: met(decoding.ratio <= 0.5),
        },
      )
      return {
        method: [
          `Tenant 1 of 4 (10,000 contacts each) on MariaDB over loopback TCP. Each call asks for 50 distinct existing IDs: the same 256 lists, in the same order, for every contender. The raw contenders and the repository over kysely's MysqlDialect share one mysql2 pool of ${POOL} connections; the repository over contact-repository/mysql has its own (createMysqlDialect, ${POOL} connections). Every repository is allowed ${POOL} concurrent queries.`,
          'The raw mysql2 contenders send the repository\'s own prepared statement (dates formatted to ISO by the server) with exactly 50 IDs; the repository pads its IN list to 64. The Kysely contender sends what the repository sends over kysely\'s MysqlDialect (dates cast to text, rewritten in JS).',
          "Warm partition: before each call (outside the timed window) exactly that call's 50 IDs are invalidated, so all 50 miss while the tenant's partition stays, as in steady state. Cold tenant: before each call the whole tenant is invalidated (invalidateTenant), so the call also makes the partition again. The 'bypass' row goes through the same batch loader, select and row decoding but neither reads nor fills the cache.",
          `tinybench, ${quick ? '1 round' : '8 rounds of 300 ms'} per contender, interleaved, GC between contenders; every call timed on its own. "Node CPU per call" is this process's CPU time over the contender's runs divided by its calls (warm-up included, the untimed invalidation before each repository call measured apart and left out): the part of the latency that is not waiting for MariaDB.`,
          `Untimed afterwards: queries per call by the repository's own count; ${quick ? 100 : 1000} identical calls on a cold tenant at once; ${quick ? 200 : 2000} calls of random sizes up to maxBatchSize (${maxBatchSize}), then the prepared statements each connection holds (poolStats()).`,
          `Row decoding: the 50 rows of one list as each route's driver returns them, decoded in a fresh process (bench/probes/row-decoding-probe.ts) ${quick ? 'briefly' : 'in 8 rounds of 200 ms'} per decoder, interleaved, 20 lists per sample; ns per row at p50 and at p10 (the fastest tenth of samples). A fresh process because V8 pretenures the allocation site of a decoder whose objects a cache keeps: it then allocates them in old space, with a write barrier per string stored, and decodes several times slower (measured: about 95 ns per row becomes about 450 ns); in the scenario's process only the current decoder has fed a cache.`,
        ],
        tables: [
          {
            title: 'getMany of 50 IDs, all missing from the cache',
            columns: ['Contender', 'p50', 'p99', 'mean', 'ratio to raw execute (p50)', 'ratio (p99)', 'Node CPU per call', 'CPU ratio', 'queries per call', 'samples'],
            rows: rows.map((r) => [
              r.name,
              formatDuration(r.p50Ms),
              formatDuration(r.p99Ms),
              formatDuration(r.meanMs),
              formatRatio(r.ratio),
              formatRatio(r.ratioP99),
              formatDuration(r.cpuMs),
              formatRatio(r.cpuRatio),
              formatNumber(r.queriesPerCall),
              r.samples,
            ]),
            ...(kysely === undefined ? {} : { note: `kysely alone (text protocol, built per call) costs ${formatRatio(kysely.ratio)} raw execute at p50.` }),
          },
          {
            title: 'Decoding one row into a frozen Contact, as each route reads it',
            columns: ['Decoder and row shape', 'ns per row (p50)', 'ratio to before (p50)', 'ns per row (p10)', 'ratio (p10)'],
            rows: (['before', 'prepared', 'fallback'] as const).map((key) => [
              {
                before: 'before issue 10: rows keyed by column (kysely, text protocol), dates rewritten in JS',
                prepared: 'now, over contact-repository/mysql: positional rows (prepared), dates already ISO',
                fallback: "now, over kysely's MysqlDialect: rows made positional, dates rewritten in JS",
              }[key],
              formatNumber(decoding[key]),
              formatRatio(decoding[key] / decoding.before),
              formatNumber(decoding.fastest[key]),
              formatRatio(decoding.fastest[key] / decoding.fastest.before),
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
        figures: { poolSize: POOL, ids: IDS, results: rows, burstQueries, statements: stats, statementBound, decoding },
      }
    } finally {
      await ours.destroy()
      await bench.close()
    }
  },
}
export default scenario

/** Decoding costs per row, in ns, of the previous decoder and of both current routes. */
interface DecodingFigures {
  /** At p50. */
  readonly before: number
  readonly prepared: number
  readonly fallback: number
  /** `prepared / before`, at p50. */
  readonly ratio: number
  /** At p10: the cost with the least interference from the rest of the machine. */
  readonly fastest: { readonly before: number; readonly prepared: number; readonly fallback: number }
}

async function measureDecoding(table: string, tenantId: number, ids: readonly number[], quick: boolean): Promise<DecodingFigures> {
  const samples = await runProbe<RowDecodingProbeOutput>(
    new URL('../probes/row-decoding-probe.ts', import.meta.url),
    { table, tenantId, ids, ...(quick ? { rounds: 1, timeMs: 20, warmupMs: 10 } : { rounds: 8, timeMs: 200, warmupMs: 50 }) } satisfies RowDecodingProbeInput,
  )
  const nsPerRow = (name: keyof RowDecodingProbeOutput, q: number): number => (quantile(Float64Array.from(samples[name]).sort(), q) * 1e6) / IDS
  const before = nsPerRow('before', 0.5)
  const current = nsPerRow('prepared', 0.5)
  return {
    before,
    prepared: current,
    fallback: nsPerRow('fallback', 0.5),
    ratio: current / before,
    fastest: { before: nsPerRow('before', 0.1), prepared: nsPerRow('prepared', 0.1), fallback: nsPerRow('fallback', 0.1) },
  }
}
