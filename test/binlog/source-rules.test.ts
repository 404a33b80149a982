// The binlog source's own rules, in this process, on a private MariaDB and the real Redis: its
// face as a bus (refusals after close, subscriber checks), its counters and state events, its
// restarts (the delay doubling up to 20 times restartDelay while sessions keep failing), the
// checkpoint store refusing (fenced) or failing, and the lease: a standby taking over when the
// active source closes, an active source stepping down when its lease is taken or runs out by its
// own clock, and close() racing what Redis and the checkpoint store answer. Then its session's
// liveness: idle, paused, its connections killed. fleet.test.ts proves the same lease
// in child processes, where a mutation run cannot see the coverage.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Redis } from 'ioredis'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { InvalidationSubscriber } from '../../src/index.js'
import {
  BINLOG_CHANNELS,
  BinlogConnectionError,
  BinlogSourceClosedError,
  createBinlogInvalidationSource,
  memoryCheckpointStore,
  type BinlogInvalidationSource,
  type BinlogInvalidationSourceOptions,
  type BinlogRestartEvent,
  type BinlogStateEvent,
  type CheckpointStore,
} from '../../src/binlog/index.js'
import { REDIS_URL } from '../helpers/env.js'
import { startMysqlWireProxy } from '../helpers/mysql-wire-proxy.js'
import { eventually } from '../redis/helpers/clock.js'
import { recordChannel } from '../redis/helpers/record-channel.js'
import { delivered, openBinlogRig, type BinlogRig } from './helpers/binlog-rig.js'

let rig: BinlogRig
let redis: Redis
const opened: BinlogInvalidationSource[] = []
let counter = 0

beforeAll(async () => {
  rig = await openBinlogRig('source-rules')
  await rig.seed([[1, 1], [1, 2]])
  redis = new Redis(REDIS_URL)
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map((source) => source.close()))
})

afterAll(async () => {
  ;(redis as Redis | undefined)?.disconnect()
  await (rig as BinlogRig | undefined)?.close()
})

const quiet = { invalidate: () => Promise.resolve(), invalidateTenant: () => Promise.resolve(), invalidateAll: () => Promise.resolve() }

function source(overrides: Partial<BinlogInvalidationSourceOptions> = {}): BinlogInvalidationSource {
  const created = createBinlogInvalidationSource({
    connection: rig.tailer,
    serverId: 4711 + ++counter,
    table: 'contacts',
    connectTimeout: 3_000,
    statusInterval: 20,
    checkpointInterval: 20,
    restartDelay: 10,
    ...overrides,
  })
  opened.push(created)
  return created
}

function leaseKey(): string {
  return `binlog-source-rules:${process.pid}:${++counter}`
}

describe('the source as a bus, rule by rule', () => {
  it('refuses a subscriber without both methods, word for word', () => {
    const bus = source()
    for (const subscriber of [{ onInvalidation: () => undefined }, { onTrustChange: () => undefined }, {}]) {
      expect(() => bus.subscribe(subscriber as unknown as InvalidationSubscriber)).toThrow(
        new TypeError('subscriber must have onInvalidation() and onTrustChange() methods'),
      )
    }
    expect(bus.stats().subscribers).toBe(0)
  })

  it('tells a subscriber its health at once, delivers until it unsubscribes, and refuses everything once closed', async () => {
    const bus = source()
    const heard: unknown[] = []
    const trust: boolean[] = []
    const unsubscribe = bus.subscribe({ onInvalidation: (message) => { heard.push(message) }, onTrustChange: (t) => { trust.push(t) } })
    expect(trust).toEqual([false])
    await bus.publish({ kind: 'ids', tenantId: 1, ids: [1] })
    unsubscribe()
    await bus.publish({ kind: 'ids', tenantId: 1, ids: [2] })
    expect(heard).toEqual([{ kind: 'ids', tenantId: 1, ids: [1] }])
    expect(bus.stats().subscribers).toBe(0)

    await bus.close()
    await expect(bus.publish({ kind: 'all' })).rejects.toThrow(BinlogSourceClosedError)
    expect(() => bus.subscribe({ onInvalidation: () => undefined, onTrustChange: () => undefined })).toThrow(BinlogSourceClosedError)
    await expect(bus.start()).rejects.toThrow(BinlogSourceClosedError)
    expect(bus.stats().state).toBe('closed')
  })

  it('closed while starting: start() rejects as closed, neither streaming nor standing by, nor waiting for ever', async () => {
    // No lease (closed while loading the checkpoint), a free lease (closed while Redis grants
    // it), a lease held by another (closed while the standby checks the server).
    const held = leaseKey()
    await redis.set(held, '999:someone-else', 'PX', 30_000)
    for (const lease of [undefined, { redis, key: leaseKey(), ttl: 300 }, { redis, key: held, ttl: 300 }]) {
      const tailer = source({ target: quiet, ...(lease === undefined ? {} : { lease }) })
      const starting = tailer.start()
      await tailer.close()
      await expect(starting).rejects.toThrow(BinlogSourceClosedError)
      expect(tailer.stats()).toMatchObject({ state: 'closed', role: 'none', healthy: false })
    }
    expect(await redis.get(held)).toBe('999:someone-else')
    await redis.del(held)

    // Closed while its first session catches up (from the state event, synchronously).
    const tailer = source({ target: quiet })
    const states = recordChannel<BinlogStateEvent>(BINLOG_CHANNELS.state)
    const listener = (event: unknown): void => {
      const { source: id, state } = event as BinlogStateEvent
      if (id === tailer.stats().id && state === 'catching-up') void tailer.close()
    }
    subscribe(BINLOG_CHANNELS.state, listener)
    try {
      await expect(tailer.start()).rejects.toThrow(BinlogSourceClosedError)
    } finally {
      unsubscribe(BINLOG_CHANNELS.state, listener)
      states.stop()
    }
    expect(states.events.filter((event) => event.source === tailer.stats().id).map((event) => event.state)).toEqual(['starting', 'catching-up', 'closed'])
  })
})

describe('counters and state events', () => {
  it('counts each phase of an invalidation, and says each state once, in order', async () => {
    const states = recordChannel<BinlogStateEvent>(BINLOG_CHANNELS.state)
    try {
      const tailer = source({ target: quiet })
      const trust: boolean[] = []
      tailer.subscribe({ onInvalidation: () => undefined, onTrustChange: (t) => { trust.push(t) } })
      const starting = tailer.start()
      expect(tailer.stats().state).toBe('starting')
      await starting
      const gtid = await rig.write("UPDATE contacts SET first_name = 'v1' WHERE tenant_id = 1 AND id = 1")
      await delivered(tailer, gtid)
      // The gap's one full invalidation, then the row's: once at its event, once seen visible.
      expect(tailer.stats()).toMatchObject({ invalidations: 3, visibleInvalidations: 1, fullInvalidations: 1, deliveryErrors: 0 })
      await tailer.close()
      const mine = states.events.filter((event) => event.source === tailer.stats().id)
      expect(mine.map((event) => [event.state, event.healthy, event.cause])).toEqual([
        ['starting', false, undefined],
        ['catching-up', false, undefined],
        ['streaming', true, undefined],
        ['closed', false, undefined],
      ])
      // Told only when its health changes: unhealthy at once, healthy once streaming, closed.
      expect(trust).toEqual([false, true, false])
    } finally {
      states.stop()
    }
  })

  it("a target that fails: counted, the session ends ('down', with the error as cause), restarts double their delay up to 20 times restartDelay, and the first session that catches up resets it", async () => {
    let failing = false
    const failure = new Error('the target is down')
    const target = { ...quiet, invalidate: () => (failing ? Promise.reject(failure) : Promise.resolve()) }
    const tailer = source({ target, restartDelay: 5 })
    const restarts = recordChannel<BinlogRestartEvent>(BINLOG_CHANNELS.restart)
    const states = recordChannel<BinlogStateEvent>(BINLOG_CHANNELS.state)
    try {
      await tailer.start()
      failing = true
      // Every new session re-reads this write from the last delivered position and fails again.
      await rig.write("UPDATE contacts SET first_name = 'v2' WHERE tenant_id = 1 AND id = 2")
      const mine = (): BinlogRestartEvent[] => restarts.events.filter((event) => event.source === tailer.stats().id)
      await eventually('seven restarts', () => mine().length >= 7)
      expect(mine().slice(0, 7).map((event) => event.delayMs)).toEqual([5, 10, 20, 40, 80, 100, 100])
      expect(mine()[0]?.error).toBe(failure)
      expect(tailer.stats().deliveryErrors).toBeGreaterThanOrEqual(7)
      const down = states.events.find((event) => event.source === tailer.stats().id && event.state === 'down')
      expect(down).toMatchObject({ healthy: false, cause: failure })

      failing = false
      await eventually('streaming again', () => tailer.stats().state === 'streaming')
      failing = true
      const before = mine().length
      await rig.write("UPDATE contacts SET first_name = 'v3' WHERE tenant_id = 1 AND id = 2")
      await eventually('the next restart', () => mine().length > before)
      expect(mine()[before]?.delayMs).toBe(5)
      failing = false
      // Only 'down' carries a cause; the restarts' other states do not, the last error known or not.
      const others = states.events.filter((event) => event.source === tailer.stats().id && event.state !== 'down')
      expect(others.map((event) => event.state)).toContain('catching-up')
      expect(others.every((event) => event.cause === undefined)).toBe(true)
    } finally {
      restarts.stop()
      states.stop()
    }
  })
})

describe('the checkpoint store', () => {
  it('a store that refuses the token (fenced): counted, and the source steps down, healthy no more', async () => {
    const announced: boolean[] = []
    const store: CheckpointStore = { load: () => Promise.resolve(undefined), save: () => Promise.resolve(false) }
    const tailer = source({ target: quiet, checkpoint: store, announce: { announceSourceStatus: ({ healthy }) => { announced.push(healthy); return Promise.resolve() } } })
    await tailer.start()
    await eventually('fenced', () => tailer.stats().fenced === 1)
    expect(tailer.stats()).toMatchObject({ role: 'standby', state: 'standby', healthy: false, lastError: 'fenced', checkpointSaves: 0 })
    expect(announced.at(-1)).toBe(false)
    // Standing by, it announces nothing more (statusInterval is 20 ms).
    const count = announced.length
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(announced).toHaveLength(count)
  })

  it('a store that fails: counted and kept as the last error; the source goes on', async () => {
    const failure = new Error('the store is down')
    const store: CheckpointStore = { load: () => Promise.resolve(undefined), save: () => Promise.reject(failure) }
    const tailer = source({ target: quiet, checkpoint: store })
    await tailer.start()
    await eventually('a failed save', () => tailer.stats().checkpointErrors >= 1)
    expect(tailer.stats()).toMatchObject({ role: 'active', state: 'streaming', lastError: failure, checkpointSaves: 0 })
  })

  it('a store that cannot be read: start() rejects, the source back to idle', async () => {
    const failure = new Error('cannot load')
    const tailer = source({ target: quiet, checkpoint: { load: () => Promise.reject(failure), save: () => Promise.resolve(true) } })
    const error = await tailer.start().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(BinlogConnectionError)
    expect(error).toMatchObject({ message: 'Starting the binlog stream failed', cause: failure })
    expect(tailer.stats()).toMatchObject({ state: 'idle', role: 'none', healthy: false })
  })
})

describe('G-BINLOG-LEASE: the lease, in one process', () => {
  it('start() twice: the same promise; an active source announces its health every statusInterval and keeps its lease past its ttl', async () => {
    const announced: boolean[] = []
    const tailer = source({
      target: quiet,
      lease: { redis, key: leaseKey(), ttl: 100 },
      announce: { announceSourceStatus: ({ healthy }) => { announced.push(healthy); return Promise.resolve() } },
    })
    const first = tailer.start()
    expect(tailer.start()).toBe(first)
    await first
    const before = announced.length
    // Ten times the ttl (renewed every ttl / 3), twenty statusIntervals.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(tailer.stats()).toMatchObject({ role: 'active', state: 'streaming', lastError: undefined })
    expect(announced.length - before).toBeGreaterThanOrEqual(10)
    expect(announced.slice(before).every((healthy) => healthy)).toBe(true)
  })

  it('Redis failing while the lease is asked for: start() rejects (transient), the source back to idle', async () => {
    const offline = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 })
    try {
      const tailer = source({ target: quiet, lease: { redis: offline, key: leaseKey(), ttl: 300 } })
      const error = await tailer.start().then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(BinlogConnectionError)
      expect(error).toMatchObject({ message: 'Redis neither granted nor refused the lease', transient: true })
      expect((error as BinlogConnectionError).cause).toBeInstanceOf(Error)
      expect(tailer.stats()).toMatchObject({ state: 'idle', role: 'none' })
    } finally {
      offline.disconnect()
    }
  })

  it('closing: an active source saves its last delivered position and announces itself unhealthy; a standby says nothing', async () => {
    const key = leaseKey()
    const saved: string[] = []
    const store: CheckpointStore = { load: () => Promise.resolve(undefined), save: (checkpoint) => { saved.push(checkpoint.gtid); return Promise.resolve(true) } }
    const announcements: string[] = []
    const announcer = (name: string) => ({ announceSourceStatus: ({ healthy }: { healthy: boolean }) => { announcements.push(`${name} ${healthy}`); return Promise.resolve() } })
    // No periodic save and no periodic announcement within the test: only close() can make them.
    const slow = { checkpointInterval: 60_000, statusInterval: 60_000 }
    const lease = { redis, key, ttl: 300 }
    const a = source({ target: quiet, checkpoint: store, lease, announce: announcer('a'), ...slow })
    const b = source({ target: quiet, checkpoint: store, lease, announce: announcer('b'), ...slow })
    await a.start()
    await b.start()
    const gtid = await rig.write("UPDATE contacts SET first_name = 'c1' WHERE tenant_id = 1 AND id = 1")
    await delivered(a, gtid)
    expect(saved).toEqual([])
    await b.close()
    expect(announcements.filter((line) => line.startsWith('b'))).toEqual([])
    await a.close()
    expect(saved).toEqual([gtid])
    expect(announcements.at(-1)).toBe('a false')
  })


  it('one active, one standing by; the standby takes over from the saved checkpoint when the active closes', async () => {
    const key = leaseKey()
    const store = memoryCheckpointStore()
    const lease = { redis, key, ttl: 300 }
    const heard: string[] = []
    const recording = (name: string) => ({
      ...quiet,
      invalidate: (tenantId: number, ids: readonly number[]) => { heard.push(`${name} ${tenantId}:${ids.join(',')}`); return Promise.resolve() },
    })
    const a = source({ target: recording('a'), checkpoint: store, lease })
    const b = source({ target: recording('b'), checkpoint: store, lease })
    const starting = a.start()
    expect(a.stats().state).toBe('starting') // while Redis grants the lease
    await starting
    await b.start()
    expect(a.stats()).toMatchObject({ role: 'active', state: 'streaming' })
    expect(a.stats().fencingToken).toBeGreaterThan(0)
    expect(b.stats()).toMatchObject({ role: 'standby', state: 'standby', healthy: false })
    const first = await rig.write("UPDATE contacts SET first_name = 'w1' WHERE tenant_id = 1 AND id = 1")
    await delivered(a, first)
    await eventually('the checkpoint saved', () => a.stats().saved?.gtid === a.stats().delivered?.gtid)

    await a.close()
    await eventually('b active', () => b.stats().state === 'streaming', 5_000)
    expect(b.stats().fencingToken).toBeGreaterThan(0)
    expect(b.stats().gaps).toBe(0) // resumed from a's checkpoint, no full invalidation
    const second = await rig.write("UPDATE contacts SET first_name = 'w2' WHERE tenant_id = 1 AND id = 2")
    await delivered(b, second)
    expect(heard).toContain('a 1:1')
    expect(heard).toContain('b 1:2')
    expect(heard).not.toContain('b 1:1')
  })

  it('a standby whose Redis fails never takes an error for the lease: it stays standing by', async () => {
    const key = leaseKey()
    await redis.set(key, '999:someone-else', 'PX', 30_000)
    const own = new Redis(REDIS_URL)
    const tailer = source({ target: quiet, lease: { redis: own, key, ttl: 60 } })
    await tailer.start()
    expect(tailer.stats().role).toBe('standby')
    own.disconnect() // every command of the standby's lease now fails
    await redis.del(key) // the lease is free: a working standby would take it within ttl / 3
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(tailer.stats()).toMatchObject({ role: 'standby', state: 'standby' })
  })

  it('an active source steps down on the renewal that finds its lease taken, not at its next status tick', async () => {
    // The status tick, which also steps down once the lease ran out by the source's own clock,
    // comes only every 30 s here: the step-down within seconds is the renewal's.
    const key = leaseKey()
    const tailer = source({ target: quiet, lease: { redis, key, ttl: 300 }, statusInterval: 30_000 })
    await tailer.start()
    expect(tailer.stats().role).toBe('active')
    await redis.set(key, '999:someone-else', 'PX', 30_000)
    await eventually('stepped down', () => tailer.stats().role === 'standby', 10_000)
    expect(tailer.stats().lastError).toBe('lease-lost')
    await redis.del(key, `${key}:token`)
  })

  it('an active source whose lease another takes steps down (lease-lost) and stands by', async () => {
    const key = leaseKey()
    const announced: boolean[] = []
    const tailer = source({
      target: quiet,
      lease: { redis, key, ttl: 300 },
      announce: { announceSourceStatus: ({ healthy }) => { announced.push(healthy); return Promise.resolve() } },
    })
    await tailer.start()
    expect(tailer.stats().role).toBe('active')
    // Someone else's lease, for longer than ours.
    await redis.set(key, `999:someone-else`, 'PX', 30_000)
    await eventually('stepped down', () => tailer.stats().role === 'standby', 5_000)
    expect(tailer.stats()).toMatchObject({ state: 'standby', healthy: false, lastError: 'lease-lost' })
    expect(announced.at(-1)).toBe(false)
    // A standby announces nothing, every statusInterval (20 ms) as before.
    const count = announced.length
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(announced).toHaveLength(count)
    await redis.del(key, `${key}:token`)
  })
})

describe('G-BINLOG-LEASE: close() and the own clock, against what Redis and the store answer', () => {
  it("steps down once the lease ran out by the source's own clock, though no renewal has said so", async () => {
    // The renewal comes every ttl / 3 = 10 s: within this test only the status tick (20 ms) can
    // see that the lease ran out. The source's clock (performance.now(), which the lease reads)
    // jumps one ttl ahead; Redis still holds the key.
    const key = leaseKey()
    const tailer = source({ target: quiet, lease: { redis, key, ttl: 30_000 } })
    await tailer.start()
    expect(tailer.stats().role).toBe('active')
    const now = performance.now.bind(performance)
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now() + 30_001)
    try {
      await eventually('stepped down', () => tailer.stats().role === 'standby', 5_000)
      expect(tailer.stats()).toMatchObject({ state: 'standby', lastError: 'lease-lost' })
      expect(await redis.exists(key)).toBe(1) // Redis never said so: the source's own clock did
    } finally {
      clock.mockRestore()
      await redis.del(key, `${key}:token`)
    }
  })

  it('a standby whose acquire is granted while close() is under way gives the lease back and never streams, whatever the interleaving', async () => {
    // Redis's real answer to the standby's acquire is held, then let through a chosen number of
    // microtasks before close() starts: each interleaving of the answer with close()'s steps. A
    // closed source that took the lease anyway would stream: it would hear the write below.
    const heard: string[] = []
    const races = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(async (ticks) => {
      const key = leaseKey()
      await redis.set(key, '999:someone-else', 'PX', 30_000)
      let hold = false
      let answered: (() => void) | undefined
      let open: (() => void) | undefined
      const granted = new Promise<void>((resolve) => { answered = resolve })
      const gate = new Promise<void>((resolve) => { open = resolve })
      const gated = {
        eval: (...args: Parameters<Redis['eval']>) => {
          const answer = redis.eval(...args)
          if (!hold) return answer
          hold = false
          return answer.then(async (result) => {
            answered?.()
            await gate
            return result
          })
        },
      } as unknown as Redis
      const target = { ...quiet, invalidate: (tenantId: number, ids: readonly number[]) => { heard.push(`race ${ticks}: ${tenantId}:${ids.join(',')}`); return Promise.resolve() } }
      // ttl / 3 = 1 s between acquires and for each command's deadline.
      const tailer = source({ target, lease: { redis: gated, key, ttl: 3_000 } })
      await tailer.start()
      expect(tailer.stats().role).toBe('standby')
      hold = true
      await redis.del(key)
      await granted // Redis granted the next acquire; the source has not heard yet
      open?.()
      for (let tick = 0; tick < ticks; tick++) await Promise.resolve()
      await tailer.close()
      return { ticks, role: tailer.stats().role, state: tailer.stats().state, leaseHeld: await redis.exists(key) }
    })
    const outcomes = await Promise.all(races)
    expect(outcomes).toEqual(outcomes.map(({ ticks }) => ({ ticks, role: 'none', state: 'closed', leaseHeld: 0 })))
    // Time for a session started by mistake to connect, then a write it would deliver.
    await new Promise((resolve) => setTimeout(resolve, 300))
    await rig.write("UPDATE contacts SET first_name = 'r1' WHERE tenant_id = 1 AND id = 1")
    await new Promise((resolve) => setTimeout(resolve, 700))
    expect(heard).toEqual([])
  })

  it('close() while a checkpoint save is in flight waits for it, then saves the position delivered since: one save at a time, in order', async () => {
    const saves: string[] = []
    let inFlight = 0
    let most = 0
    let release: (() => void) | undefined
    const held = new Promise<void>((resolve) => { release = resolve })
    const backing = memoryCheckpointStore()
    const store: CheckpointStore = {
      load: () => backing.load(),
      save: async (checkpoint, token) => {
        saves.push(checkpoint.gtid)
        most = Math.max(most, ++inFlight)
        try {
          if (saves.length === 1) await held // the first save hangs until the test lets it go
          return await backing.save(checkpoint, token)
        } finally {
          inFlight--
        }
      },
    }
    const tailer = source({ target: quiet, checkpoint: store })
    await tailer.start()
    await rig.write("UPDATE contacts SET first_name = 's1' WHERE tenant_id = 1 AND id = 1")
    await eventually('the first save under way', () => saves.length === 1)
    const second = await rig.write("UPDATE contacts SET first_name = 's2' WHERE tenant_id = 1 AND id = 2")
    await delivered(tailer, second)
    // Meanwhile the timer (every 20 ms) asks for more saves: each must wait its turn too.
    await new Promise((resolve) => setTimeout(resolve, 100))
    let closed = false
    const closing = tailer.close().then(() => { closed = true })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(closed).toBe(false) // waiting for the save in flight
    release?.()
    await closing
    expect(saves.at(0)).not.toBe(second) // the held save was of an older position
    expect(saves.at(-1)).toBe(second)
    expect(most).toBe(1)
    expect((await backing.load())?.gtid).toBe(second)
  })
})

describe('G-BINLOG-LIVENESS: the session, idle and paused', () => {
  it('idle after a write: streaming, lag 0, heartbeats and probes counted, never behind', async () => {
    const states = recordChannel<BinlogStateEvent>(BINLOG_CHANNELS.state)
    try {
      const tailer = source({ target: quiet, heartbeatInterval: 20, lagProbeInterval: 10, maxLag: 100 })
      await tailer.start()
      const gtid = await rig.write("UPDATE contacts SET first_name = 'i1' WHERE tenant_id = 1 AND id = 1")
      await delivered(tailer, gtid)
      // Five times maxLag with nothing to stream: the stream stands exactly at every probe's
      // snapshot, which counts as reached.
      await new Promise((resolve) => setTimeout(resolve, 500))
      const stats = tailer.stats()
      expect(stats).toMatchObject({ state: 'streaming', healthy: true, lagMs: 0, stalls: 0 })
      expect(stats.heartbeats).toBeGreaterThan(0)
      expect(stats.probes).toBeGreaterThan(0)
      expect(states.events.filter((event) => event.source === stats.id).map((event) => event.state)).not.toContain('behind')
    } finally {
      states.stop()
    }
  })

  it('a pause of this process past stallTimeout, with heartbeats waiting in the socket, is not a stall', async () => {
    const tailer = source({ target: quiet, heartbeatInterval: 20, stallTimeout: 150, maxLag: 10_000 })
    await tailer.start()
    // The event loop blocked for twice stallTimeout: when it resumes, the watchdog's timer
    // fires first, but the heartbeats already received are read before it decides.
    const until = performance.now() + 300
    while (performance.now() < until) { /* blocking on purpose */ }
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(tailer.stats()).toMatchObject({ stalls: 0, restarts: 0, state: 'streaming' })
  })

  it("the source's own connection, then the dump's, killed by the server: each ends the session, which restarts; nothing thrown", async () => {
    const connections = async (): Promise<number[]> => {
      const [rows] = await rig.admin.query<RowDataPacket[]>('SELECT id FROM information_schema.PROCESSLIST WHERE user = ? ORDER BY id', [rig.tailer.user])
      return rows.map((row) => Number(row.id))
    }
    const before = new Set(await connections())
    // No probe and no stall within the test: only the killed connections can end a session.
    const tailer = source({ target: quiet, lagProbeInterval: 60_000, stallTimeout: 60_000 })
    await tailer.start()
    // The session connects before zongji opens its own two (metadata and dump): the first new id.
    const ours = (await connections()).find((id) => !before.has(id))
    expect(ours).toBeDefined()
    await rig.admin.query(`KILL ${String(ours)}`)
    await eventually('restarted', () => tailer.stats().restarts >= 1 && tailer.stats().state === 'streaming', 10_000)
    expect(tailer.stats().lastError).toMatchObject({ fatal: true })

    // The dump's connection killed: the stream reports its failure, the session ends and restarts.
    const [dumps] = await rig.admin.query<RowDataPacket[]>("SELECT id FROM information_schema.PROCESSLIST WHERE command = 'Binlog Dump'")
    expect(dumps).toHaveLength(1)
    const restarts = tailer.stats().restarts
    await rig.admin.query(`KILL ${Number(dumps[0]?.id)}`)
    await eventually('restarted again', () => tailer.stats().restarts > restarts && tailer.stats().state === 'streaming', 10_000)
  })

  it("a stream held behind a probe's snapshot: 'behind' after maxLag with its lag growing, then streaming again once it caught up", async () => {
    // The wire proxy holds what the server sends on the dump's connection (the one whose client
    // sent COM_BINLOG_DUMP, 0x12, or its GTID form, 0x1e) while `holding`; the next chunk after
    // (a heartbeat at most 20 ms later) carries everything held.
    const dumps = new Set<number>()
    let holding = false
    let held: Buffer[] = []
    const proxy = await startMysqlWireProxy(
      { host: '127.0.0.1', port: rig.server.port },
      (chunk, _commands, connection) => {
        if (chunk[4] === 0x12 || chunk[4] === 0x1e) dumps.add(connection)
        return chunk
      },
      (chunk, connection) => {
        if (!dumps.has(connection)) return chunk
        if (holding) {
          held.push(chunk)
          return Buffer.alloc(0)
        }
        const out = Buffer.concat([...held, chunk])
        held = []
        return out
      },
    )
    try {
      const tailer = source({ target: quiet, connection: { ...rig.tailer, port: proxy.port }, heartbeatInterval: 20, lagProbeInterval: 10, maxLag: 150, stallTimeout: 10_000 })
      await tailer.start()
      expect(dumps.size).toBe(1)
      holding = true
      const wroteAt = performance.now()
      const gtid = await rig.write("UPDATE contacts SET first_name = 'b1' WHERE tenant_id = 1 AND id = 2")
      await eventually('behind', () => tailer.stats().state === 'behind', 5_000)
      const behind = tailer.stats()
      expect(behind.healthy).toBe(false)
      expect(behind.lagMs).toBeGreaterThanOrEqual(150)
      // Counted from the probe that first saw the write (which may have started a moment before
      // it): never more than the time since the write, give or take that probe.
      expect(behind.lagMs).toBeLessThan(performance.now() - wroteAt + 1_000)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(tailer.stats().lagMs).toBeGreaterThanOrEqual((behind.lagMs as number) + 50) // still growing
      holding = false
      await delivered(tailer, gtid)
      await eventually('streaming again', () => tailer.stats().state === 'streaming', 5_000)
      expect(tailer.stats().healthy).toBe(true)
    } finally {
      holding = false
      await proxy.close()
    }
  })
})
