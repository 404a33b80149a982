// Faults with one process and a private server; the writer is a plain mysql2 connection.
// After each fault the repository must serve exactly what the database holds; while the stream
// is down, a repository that uses the source as its bus must not trust its cache.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHANNELS, ContactRepository, type TrustEvent } from '../../src/index.js'
import {
  BINLOG_CHANNELS,
  createBinlogInvalidationSource,
  memoryCheckpointStore,
  type BinlogGapEvent,
  type BinlogStateEvent,
  type BinlogInvalidationSource,
  type CheckpointStore,
} from '../../src/binlog/index.js'
import { delay, eventually } from '../redis/helpers/clock.js'
import { recordChannel } from '../redis/helpers/record-channel.js'
import { delivered, openBinlogRig, type BinlogRig } from './helpers/binlog-rig.js'

const TENANT = 7
const IDS = Array.from({ length: 40 }, (_, i) => i + 1)
// Short, so that faults are noticed quickly; the defaults are documented in the README.
const TIMING = {
  heartbeatInterval: 100, stallTimeout: 600, maxLag: 400, lagProbeInterval: 50, connectTimeout: 1_500, restartDelay: 100, checkpointInterval: 50,
} as const

let rig: BinlogRig
let version = 0
const gaps = recordChannel<BinlogGapEvent>(BINLOG_CHANNELS.gap)

beforeAll(async () => {
  rig = await openBinlogRig('faults')
  await rig.seed(IDS.map((id) => [TENANT, id] as const))
})

afterAll(async () => {
  gaps.stop()
  await (rig as BinlogRig | undefined)?.close()
})

interface Instance {
  readonly source: BinlogInvalidationSource
  readonly repository: ContactRepository
  close(): Promise<void>
}

/**
 * `bus`: the repository uses the source as its bus (and learns its health). `target`: the
 * repository has no bus and trusts its cache whatever happens; the source invalidates it.
 */
function instance(mode: 'bus' | 'target', checkpoint: CheckpointStore, repository?: ContactRepository, timing: { readonly maxLag?: number; readonly heartbeatInterval?: number } = {}): Instance {
  const db = rig.database({ connectionLimit: 2, connectTimeout: 1_000 })
  if (mode === 'bus') {
    const source = createBinlogInvalidationSource({ connection: rig.tailer, serverId: 4711, checkpoint, ...TIMING, ...timing })
    const own = new ContactRepository({ db, bus: source, ttl: 600_000, queryTimeout: 2_000 })
    return { source, repository: own, close: async () => { await source.close(); await own.close() } }
  }
  const target = repository ?? new ContactRepository({ db, ttl: 600_000, queryTimeout: 2_000 })
  const source = createBinlogInvalidationSource({ connection: rig.tailer, serverId: 4711, checkpoint, target, ...TIMING })
  return { source, repository: target, close: () => source.close() }
}

/** Foreign writes, one row per transaction, `count` of them; returns the last GTID. */
async function writeEach(count: number): Promise<string> {
  let gtid = ''
  for (let k = 0; k < count; k++) {
    version++
    gtid = await rig.write(`UPDATE contacts SET first_name = 'v${version}' WHERE tenant_id = ${TENANT} AND id = ${IDS[k % IDS.length]}`)
  }
  return gtid
}

async function expectFresh(repository: ContactRepository): Promise<void> {
  const [rows] = await rig.writer.query<RowDataPacket[]>('SELECT id, first_name FROM contacts WHERE tenant_id = ?', [TENANT])
  const truth = Object.fromEntries(rows.map((row) => [Number(row.id), String(row.first_name)]))
  const result = await repository.getMany(TENANT, IDS)
  expect(Object.fromEntries(result.rows.map((row) => [row.id, String(row.firstName)]))).toEqual(truth)
}

/** Caches every row in a repository that trusts its cache. */
async function cacheAll(repository: ContactRepository): Promise<void> {
  await expectFresh(repository)
  const queries = repository.stats().queries
  await repository.getMany(TENANT, IDS)
  expect(repository.stats().queries).toBe(queries) // all hits: only invalidations can refresh them
}

async function checkpointSaved(store: CheckpointStore, source: BinlogInvalidationSource): Promise<void> {
  await eventually('the checkpoint saved', async () => (await store.load())?.gtid === source.stats().delivered?.gtid)
}

describe('faults, one process', () => {
  it('G-BINLOG-GAP: the source stopped while writes happen, then resumed from its checkpoint: none missed, no gap', async () => {
    const store = memoryCheckpointStore()
    const a = instance('target', store)
    await a.source.start()
    await delivered(a.source, await writeEach(3))
    await checkpointSaved(store, a.source)
    await a.close()
    await cacheAll(a.repository)
    const last = await writeEach(60) // nobody tails now: the cached rows go stale
    const b = instance('target', store, a.repository)
    await b.source.start()
    await delivered(b.source, last)
    expect(b.source.stats().gaps).toBe(0)
    await expectFresh(b.repository)
    await b.close()
    await b.repository.close()
  })

  it('G-BINLOG-GAP: the server restarted (SIGKILL, started again): the stream resumes by GTID, none missed', async () => {
    const i = instance('bus', memoryCheckpointStore())
    await i.source.start()
    await delivered(i.source, await writeEach(20))
    await expectFresh(i.repository)
    await rig.server.signal('SIGKILL')
    await eventually('the source noticed', () => !i.source.stats().healthy, 10_000)
    expect(i.repository.stats().trusted).toBe(false)
    await rig.server.start()
    await rig.reconnect()
    const last = await writeEach(20)
    await eventually('streaming again', () => i.source.stats().healthy, 20_000)
    await delivered(i.source, last, 20_000)
    expect(i.source.stats()).toMatchObject({ gaps: 1, healthy: true }) // the first start's only
    expect(i.source.stats().restarts).toBeGreaterThan(0)
    expect(i.repository.stats().trusted).toBe(true)
    await expectFresh(i.repository)
    await i.close()
  })

  it('G-BINLOG-LIVENESS: the server frozen (SIGSTOP): the stall is noticed, the repository stops trusting, then all recovers', async () => {
    const i = instance('bus', memoryCheckpointStore())
    const trust: boolean[] = []
    const onTrust = (event: unknown): void => { trust.push((event as TrustEvent).trusted) }
    subscribe(CHANNELS.trust, onTrust)
    try {
      await i.source.start()
      await delivered(i.source, await writeEach(10))
      await expectFresh(i.repository)
      const stallsBefore = i.source.stats().stalls
      await rig.server.signal('SIGSTOP')
      try {
        // A liveness bound far above stallTimeout: the test fails if the stall goes unnoticed.
        await eventually('the stall noticed', () => i.source.stats().stalls > stallsBefore, 10_000, 5)
        expect(i.source.stats().healthy).toBe(false)
        expect(i.repository.stats().trusted).toBe(false)
        await delay(300)
        expect(i.repository.stats().trusted).toBe(false)
      } finally {
        await rig.server.signal('SIGCONT')
      }
      await eventually('streaming again', () => i.source.stats().healthy, 20_000)
      expect(i.repository.stats().trusted).toBe(true)
      await delivered(i.source, await writeEach(10))
      await expectFresh(i.repository)
      expect(trust).toContain(false)
      expect(trust.at(-1)).toBe(true)
    } finally {
      unsubscribe(CHANNELS.trust, onTrust)
      await i.close()
    }
  })

  it('G-BINLOG-LIVENESS: the stream behind (a 30,000-row UPDATE to decode): reported, the repository stops trusting until it caught up', async () => {
    const BIG = 8
    await rig.seed(Array.from({ length: 30_000 }, (_, i) => [BIG, 100_001 + i] as const))
    // A tight maxLag, so that decoding one large transaction is certainly more than it.
    const i = instance('bus', memoryCheckpointStore(), undefined, { heartbeatInterval: 5, maxLag: 10 })
    const states = recordChannel<BinlogStateEvent>(BINLOG_CHANNELS.state)
    const trust = recordChannel<TrustEvent>(CHANNELS.trust)
    try {
      await i.source.start()
      const sample = [100_001, 115_000, 130_000]
      expect((await i.repository.getMany(BIG, sample)).rows.map((r) => r.firstName)).toEqual(['v0', 'v0', 'v0'])
      const gtid = await rig.write(`UPDATE contacts SET first_name = 'big', last_name = REPEAT('x', 200), email = REPEAT('y', 200) WHERE tenant_id = ${BIG}`)
      await delivered(i.source, gtid, 30_000)
      expect(states.events.filter((e) => e.source === i.source.id).map((e) => e.state)).toContain('behind')
      expect(trust.events.map((e) => e.trusted)).toContain(false)
      await eventually('streaming and trusted again', () => i.source.stats().healthy && i.repository.stats().trusted)
      await eventually('the new rows served', async () =>
        (await i.repository.getMany(BIG, sample)).rows.every((r) => r.firstName === 'big'))
      expect(i.source.stats().widened).toBeGreaterThanOrEqual(1) // 30,000 IDs: the whole tenant
    } finally {
      states.stop()
      trust.stop()
      await i.close()
    }
  })

  it('G-BINLOG-GAP: the binlog purged past the checkpoint: a gap (everything invalidated), no write lost', async () => {
    const store = memoryCheckpointStore()
    const a = instance('target', store)
    await a.source.start()
    await delivered(a.source, await writeEach(5))
    await checkpointSaved(store, a.source)
    await a.close()
    await cacheAll(a.repository)
    const last = await writeEach(30)
    const newest = await rig.purgeBinlogs()
    expect((await store.load())?.file).not.toBe(newest)
    const before = gaps.events.length
    const b = instance('target', store, a.repository)
    await b.source.start()
    await delivered(b.source, last)
    expect(gaps.events.slice(before).map((e) => e.reason)).toEqual(['purged'])
    expect(b.source.stats().gaps).toBe(1)
    await expectFresh(b.repository)
    await b.close()
    await b.repository.close()
  })
})
