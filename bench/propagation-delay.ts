/**
 * Propagation delay of an invalidation across processes over Redis pub/sub on loopback: how
 * long after a writer's `invalidate()` each of four reader processes has applied it (from then
 * on no read there returns the old row). One writer (this process) and four readers (child
 * processes, each with its own repository and bus) share a fresh channel.
 *
 *   npx tsx bench/propagation-delay.ts            2,000 sequential samples and a burst of 1,000
 *   npx tsx bench/propagation-delay.ts --quick    200 samples and the burst
 *
 * Redis is REDIS_URL (default redis://127.0.0.1:6379). No database is involved: the readers'
 * repositories never query (their Kysely has a dummy driver), only the bus is measured.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { subscribe } from 'node:diagnostics_channel'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Redis } from 'ioredis'
import { DummyDriver, Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler } from 'kysely'
import { CHANNELS, ContactRepository, type InvalidationEvent } from '../src/index.js'
import { createRedisInvalidationBus, type RedisInvalidationBus } from '../src/redis/index.js'

const READERS = 4
const TENANT = 1
const ROLE_ENV = 'PROPAGATION_DELAY_ROLE'
const here = fileURLToPath(import.meta.url)
const root = resolve(dirname(here), '..')

/** Milliseconds on a clock all processes of this machine share. */
const sharedNow = (): number => performance.timeOrigin + performance.now()

export interface Stats {
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly samples: number
}

type ReaderMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'applied'; readonly count: number }
  | { readonly type: 'log'; readonly applied: readonly (readonly [number, number])[] }

type ParentMessage = { readonly type: 'count' } | { readonly type: 'log' }

function summarize(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN
  return { p50: at(0.5), p99: at(0.99), max: at(1), samples: sorted.length }
}

function dummyDb(): Kysely<unknown> {
  return new Kysely({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new MysqlIntrospector(db),
      createQueryCompiler: () => new MysqlQueryCompiler(),
    },
  })
}

function openInstance(url: string, channel: string, name: string): { bus: RedisInvalidationBus; repository: ContactRepository; close: () => Promise<void> } {
  const publisher = new Redis(url, { connectionName: `${name}-pub` })
  const subscriber = new Redis(url, { connectionName: `${name}-sub` })
  const bus = createRedisInvalidationBus({ publisher, subscriber, channel })
  const repository = new ContactRepository({ db: dummyDb(), bus })
  return {
    bus,
    repository,
    async close() {
      await repository.close()
      await bus.close()
      publisher.disconnect()
      subscriber.disconnect()
    },
  }
}

async function assertReachable(url: string): Promise<void> {
  const probe = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true })
  probe.on('error', () => undefined)
  try {
    await probe.connect()
    await probe.ping()
  } catch (error) {
    throw new Error(`propagation-delay: Redis is not reachable at ${url} (set REDIS_URL)`, { cause: error })
  } finally {
    probe.disconnect()
  }
}

async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const start = Date.now()
  while (!(await condition())) {
    if (Date.now() - start > limitMs) throw new Error(`propagation-delay: not within ${limitMs} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

// --- reader (child process) ----------------------------------------------------------------

async function runReader(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const channel = process.env.PROPAGATION_DELAY_CHANNEL ?? ''
  const instance = openInstance(url, channel, `propagation-reader-${process.pid}`)
  // Time of application per contact ID, as the repository applied it (diagnostics event).
  const applied: [number, number][] = []
  subscribe(CHANNELS.invalidate, (raw) => {
    const event = raw as InvalidationEvent
    if (event.source !== 'bus' || event.message.kind !== 'ids') return
    const at = sharedNow()
    for (const id of event.message.ids) applied.push([id, at])
  })
  await until('reader trusted', () => instance.repository.stats().trusted)
  const send = (message: ReaderMessage): void => { process.send?.(message) }
  process.on('message', (raw) => {
    const message = raw as ParentMessage
    if (message.type === 'count') send({ type: 'applied', count: applied.length })
    else send({ type: 'log', applied })
  })
  process.on('disconnect', () => { void instance.close().finally(() => process.exit(0)) })
  send({ type: 'ready' })
}

class ReaderProcess {
  readonly #child: ChildProcess
  readonly #waiters: ((message: ReaderMessage) => void)[] = []
  readonly ready: Promise<void>

  constructor(url: string, channel: string) {
    this.#child = fork(here, [], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '', [ROLE_ENV]: 'reader', REDIS_URL: url, PROPAGATION_DELAY_CHANNEL: channel },
    })
    this.ready = new Promise((resolveReady, reject) => {
      this.#child.once('exit', (code) => { reject(new Error(`propagation-delay reader exited (${String(code)})`)) })
      this.#child.on('message', (raw) => {
        const message = raw as ReaderMessage
        if (message.type === 'ready') resolveReady()
        else this.#waiters.shift()?.(message)
      })
    })
    this.ready.catch(() => undefined)
  }

  async count(): Promise<number> {
    const reply = await this.#ask({ type: 'count' })
    return reply.type === 'applied' ? reply.count : 0
  }

  async log(): Promise<Map<number, number>> {
    const reply = await this.#ask({ type: 'log' })
    return new Map(reply.type === 'log' ? reply.applied : [])
  }

  stop(): Promise<void> {
    if (this.#child.exitCode !== null) return Promise.resolve()
    return new Promise((resolveStop) => {
      this.#child.once('exit', () => { resolveStop() })
      this.#child.disconnect()
    })
  }

  #ask(message: ParentMessage): Promise<ReaderMessage> {
    return new Promise((resolveReply) => {
      this.#waiters.push(resolveReply)
      this.#child.send(message)
    })
  }
}

// --- writer (this process) -----------------------------------------------------------------

/**
 * Measures the propagation delay with four reader processes. `quick` takes 200 sequential
 * samples instead of 2,000. `table` is markdown; `data` holds every figure.
 */
/** Every figure of a run, in milliseconds. */
export interface PropagationFigures {
  readonly readers: number
  readonly samples: number
  readonly burst: { readonly size: number; readonly settledMs: number; readonly drainMs: number }
  readonly settle: Stats
  readonly afterCall: Stats
  readonly afterSettle: Stats
  readonly allReaders: Stats
  /** The writer's bus at the end: what it published, how often it failed, what is still queued. */
  readonly writer: { readonly published: number; readonly publishFailures: number; readonly queued: number }
  readonly node: string
}

export async function runPropagationDelay(options: { quick: boolean }): Promise<{ name: string; table: string; data: PropagationFigures }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const channel = `contact-repository-bench:propagation:${randomUUID()}`
  const samples = options.quick ? 200 : 2_000
  const burst = 1_000
  await assertReachable(url)
  const readers = Array.from({ length: READERS }, () => new ReaderProcess(url, channel))
  const writer = openInstance(url, channel, 'propagation-writer')
  try {
    await Promise.all(readers.map((reader) => reader.ready))
    await until('writer trusted', () => writer.repository.stats().trusted)

    // Sequential: one invalidation at a time, each after the previous settled, 2 ms apart.
    const called = new Map<number, number>()
    const settled = new Map<number, number>()
    for (let id = 1; id <= samples; id++) {
      called.set(id, sharedNow())
      await writer.repository.invalidate(TENANT, [id])
      settled.set(id, sharedNow())
      await new Promise((r) => setTimeout(r, 2))
    }
    // Burst: `burst` invalidations issued at once; how long until every reader applied all.
    const burstStart = sharedNow()
    const first = samples + 1
    await Promise.all(Array.from({ length: burst }, (_, k) => writer.repository.invalidate(TENANT, [first + k])))
    const burstSettled = sharedNow() - burstStart
    await until('every reader applied everything', async () => (await Promise.all(readers.map((r) => r.count()))).every((n) => n >= samples + burst))
    const logs = await Promise.all(readers.map((reader) => reader.log()))

    const afterCall: number[] = []
    const afterSettle: number[] = []
    const lastReader: number[] = []
    const settle: number[] = []
    for (let id = 1; id <= samples; id++) {
      const start = called.get(id) as number
      const end = settled.get(id) as number
      settle.push(end - start)
      let last = Number.NEGATIVE_INFINITY
      for (const log of logs) {
        const at = log.get(id)
        if (at === undefined) throw new Error(`propagation-delay: a reader never applied sample ${id}`)
        afterCall.push(at - start)
        afterSettle.push(at - end)
        last = Math.max(last, at)
      }
      lastReader.push(last - start)
    }
    const burstDrain = Math.max(...logs.map((log) => Math.max(...Array.from({ length: burst }, (_, k) => log.get(first + k) ?? Number.NaN)))) - burstStart
    const writerStats = writer.bus.stats()

    const rows = {
      settle: summarize(settle),
      afterCall: summarize(afterCall),
      afterSettle: summarize(afterSettle),
      allReaders: summarize(lastReader),
    }
    const ms = (value: number): string => value.toFixed(2)
    const line = (label: string, s: Stats): string => `| ${label} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.samples} |`
    const table = [
      `Invalidation propagation over Redis pub/sub, 1 writer + ${READERS} reader processes on loopback (milliseconds):`,
      '',
      '| measure | p50 | p99 | max | samples |',
      '|---|---|---|---|---|',
      line('writer: invalidate() settled (PUBLISH acknowledged)', rows.settle),
      line('one reader applied it, after invalidate() was called', rows.afterCall),
      line('one reader applied it, after invalidate() settled', rows.afterSettle),
      line(`all ${READERS} readers applied it, after invalidate() was called`, rows.allReaders),
      '',
      `Burst: ${burst} invalidations issued at once settled in ${ms(burstSettled)} ms; every reader had applied all of them ${ms(burstDrain)} ms after the first was issued (${Math.round((burst / burstDrain) * 1000)} per second per reader).`,
      '',
      'A negative "after settled" delay means the reader applied it before the writer got Redis\'s reply.',
    ].join('\n')
    return {
      name: 'propagation-delay',
      table,
      data: {
        readers: READERS,
        samples,
        burst: { size: burst, settledMs: burstSettled, drainMs: burstDrain },
        ...rows,
        writer: { published: writerStats.published, publishFailures: writerStats.publishFailures, queued: writerStats.queued },
        node: process.version,
      },
    }
  } finally {
    await writer.close()
    await Promise.all(readers.map((reader) => reader.stop()))
  }
}

async function main(): Promise<void> {
  const result = await runPropagationDelay({ quick: process.argv.includes('--quick') })
  console.log(result.table)
}

if (process.env[ROLE_ENV] === 'reader') {
  await runReader()
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
