import { Kysely, sql } from 'kysely'
import { ContactRepository } from '../../src/index.js'
import { contactRowOf, decodeContactRow, type ContactRecord, type ContactRow } from '../../src/contacts/contact-row.js'
import { compileContactsSelect, paddedSizes, selectContacts } from '../../src/contacts/contacts-query.js'
import { createMysqlDialect } from '../../src/mysql/index.js'
import { MYSQL_URL, fillTenants, openBenchTable, selectContactsSql } from '../lib/bench-table.js'
import { formatDuration, formatNumber, formatRatio } from '../lib/format.js'
import { measureInterleaved, type Contender, type Measured } from '../lib/measure.js'
import { decodeContactRowBefore, type PreviousContactRow } from '../lib/previous-row-decoder.js'
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
  title: '2. Miss path: getMany of 50 IDs, none cached',
  order: 2,
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
      const repositoryContender = (name: string, repository: ContactRepository, before: 'ids' | 'tenant' | 'none'): Contender => {
        const next = walker(name)
        let ids: number[] = []
        return {
          name,
          async: true,
          // Outside the timed window: forget exactly the next call's IDs (the partition stays),
          // or the whole tenant (its partition is dropped and made again by the call).
          prepare: async () => {
            ids = next()
            if (before === 'ids') {
              await repository.invalidate(tenantId, ids)
              // After a cold-tenant contender the partition is gone: make it again, untimed.
              if (repository.stats().tenants === 0) await repository.getMany(tenantId, keepAlive)
            } else if (before === 'tenant') {
              await repository.invalidateTenant(tenantId)
            }
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

      log('row decoding')
      const decoding = await measureDecoding(
        // The rows of one list, as each route's driver returns them.
        (await pool.execute({ sql: statement.compiled.sql, rowsAsArray: true }, bind(lists[0] as number[])))[0] as ContactRow[],
        (await selectContacts(db, table, tenantId, lists[0] as number[], 'cast').execute()),
        tenantId,
        quick,
      )

      const byName = (name: string): Measured | undefined => measured.find((m) => m.name === name)
      const baseline = byName(BASELINE)
      const baseP50 = baseline?.perOperationMs.p50 ?? NaN
      const baseP99 = baseline?.perOperationMs.p99 ?? NaN
      const baseCpu = baseline?.cpuMsPerOperation ?? NaN
      const rows = measured.map((m) => ({
        name: m.name,
        p50Ms: m.perOperationMs.p50,
        p99Ms: m.perOperationMs.p99,
        meanMs: m.perOperationMs.mean,
        samples: m.perOperationMs.count,
        ratio: m.perOperationMs.p50 / baseP50,
        ratioP99: m.perOperationMs.p99 / baseP99,
        cpuMs: m.cpuMsPerOperation,
        cpuRatio: m.cpuMsPerOperation / baseCpu,
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
          measured: `${formatRatio(decoding.ratio)} (${formatNumber(decoding.prepared)} ns vs ${formatNumber(decoding.before)} ns per row)`,
          met: met(decoding.ratio <= 0.5),
        },
      )
      return {
        method: [
          `Tenant 1 of 4 (10,000 contacts each) on MariaDB over loopback TCP. Each call asks for 50 distinct existing IDs: the same 256 lists, in the same order, for every contender. The raw contenders and the repository over kysely's MysqlDialect share one mysql2 pool of ${POOL} connections; the repository over contact-repository/mysql has its own (createMysqlDialect, ${POOL} connections). Every repository is allowed ${POOL} concurrent queries.`,
          'The raw mysql2 contenders send the repository\'s own prepared statement (dates formatted to ISO by the server) with exactly 50 IDs; the repository pads its IN list to 64. The Kysely contender sends what the repository sends over kysely\'s MysqlDialect (dates cast to text, rewritten in JS).',
          "Warm partition: before each call (outside the timed window) exactly that call's 50 IDs are invalidated, so all 50 miss while the tenant's partition stays, as in steady state. Cold tenant: before each call the whole tenant is invalidated (invalidateTenant), so the call also makes the partition again. The 'bypass' row goes through the same batch loader, select and row decoding but neither reads nor fills the cache.",
          `tinybench, ${quick ? '1 round' : '8 rounds of 300 ms'} per contender, interleaved, GC between contenders; every call timed on its own. "Node CPU per call" is this process's CPU time over the contender's runs divided by its calls (warm-up and the untimed invalidation included): the part of the latency that is not waiting for MariaDB.`,
          `Untimed afterwards: queries per call by the repository's own count; ${quick ? 100 : 1000} identical calls on a cold tenant at once; ${quick ? 200 : 2000} calls of random sizes up to maxBatchSize (${maxBatchSize}), then the prepared statements each connection holds (poolStats()).`,
          `Row decoding: the 50 rows of one list as each route's driver returns them, decoded ${quick ? 'briefly' : 'in 8 rounds of 200 ms'} per decoder, interleaved; ns per row at p50.`,
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
            columns: ['Decoder and row shape', 'ns per row (p50)', 'ratio to before'],
            rows: [
              ['before issue 10: rows keyed by column (kysely, text protocol), dates rewritten in JS', formatNumber(decoding.before), formatRatio(1)],
              ['now, over contact-repository/mysql: positional rows (prepared), dates already ISO', formatNumber(decoding.prepared), formatRatio(decoding.ratio)],
              ["now, over kysely's MysqlDialect: rows made positional, dates rewritten in JS", formatNumber(decoding.fallback), formatRatio(decoding.fallback / decoding.before)],
            ],
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

/** Decoding costs per row, in ns at p50, of the previous decoder and of both current routes. */
interface DecodingFigures {
  readonly before: number
  readonly prepared: number
  readonly fallback: number
  /** `prepared / before`. */
  readonly ratio: number
}

async function measureDecoding(
  prepared: readonly ContactRow[],
  records: readonly (ContactRecord & PreviousContactRow)[],
  tenantId: number,
  quick: boolean,
): Promise<DecodingFigures> {
  if (prepared.length !== IDS || records.length !== IDS) throw new Error('Expected the rows of one list on both routes')
  let sink: unknown
  const decoders: [keyof Omit<DecodingFigures, 'ratio'>, () => void][] = [
    ['before', () => { for (const record of records) sink = decodeContactRowBefore(record, tenantId) }],
    ['prepared', () => { for (const row of prepared) sink = decodeContactRow(row, tenantId) }],
    ['fallback', () => { for (const record of records) sink = decodeContactRow(contactRowOf(record), tenantId) }],
  ]
  const measured = await measureInterleaved(
    decoders.map(([name, run]) => ({ name, run, async: false, batch: 20 })),
    quick ? { rounds: 1, timeMs: 20, warmupMs: 10, minSamples: 3 } : { rounds: 8, timeMs: 200, warmupMs: 50 },
  )
  if (sink === undefined) throw new Error('nothing decoded')
  const nsPerRow = (name: string): number => ((measured.find((m) => m.name === name)?.perOperationMs.p50 ?? NaN) * 1e6) / IDS
  const before = nsPerRow('before')
  const current = nsPerRow('prepared')
  return { before, prepared: current, fallback: nsPerRow('fallback'), ratio: current / before }
}
