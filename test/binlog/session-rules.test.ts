// The binlog session's rules one by one, on a clock the test moves: its steps from connecting to
// streaming (each bounded by connectTimeout, in words), where it starts (a verified checkpoint, or
// a gap and its full invalidation), catching up, the visibility probes (which commits a snapshot
// releases, and when one without a file offset counts as visible), the lag it reports and the
// thresholds of "behind", the stall watchdog, and how it ends. The server's side is faked here:
// its checks, positions and snapshots are answers the test gives, and the stream is events the
// test sends (the real transaction tracker turns them into groups). Against a real MariaDB the
// same session is proven by events, faults, stream-start and source-rules.test.ts; this file pins
// the arithmetic those can only prove by outcome, on a clock that never jitters.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { AnyBinlogEvent } from '@vlasky/zongji'
import { createConnection } from 'mysql2/promise'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resolveSourceOptions, type ResolvedSourceOptions } from '../../src/binlog/binlog-invalidation-source-options.js'
import type { BinlogPosition, FilePosition } from '../../src/binlog/binlog-position.js'
import { BinlogSession, checkServerOnce, type SessionHost } from '../../src/binlog/binlog-session.js'
import { BinlogGapError, type BinlogStreamEvents } from '../../src/binlog/binlog-stream.js'
import type { BinlogCheckpoint } from '../../src/binlog/checkpoint-store.js'
import { BINLOG_CHANNELS, type BinlogGapEvent } from '../../src/binlog/diagnostics.js'
import { BinlogConnectionError, BinlogPrivilegeError } from '../../src/binlog/errors.js'
import { binlogGtidPosition, checkServer, consistentPosition, snapshotPosition, verifyCheckpoint } from '../../src/binlog/server-checks.js'
import type { InvalidationMessage } from '../../src/index.js'
import { gtidEvent, syntheticEvent as event, tableMapEvent } from './helpers/synthetic-events.js'
import type * as Stream from '../../src/binlog/binlog-stream.js'
import type * as ServerChecks from '../../src/binlog/server-checks.js'

/** The streams the session opened, newest last: what it asked for, and its event callbacks. */
const streams = vi.hoisted(() => [] as FakeStreamShape[])

interface FakeStreamShape {
  readonly events: BinlogStreamEvents
  from: string | undefined
  stops: number
}

vi.mock('mysql2/promise', () => ({ createConnection: vi.fn() }))

vi.mock('../../src/binlog/server-checks.js', async (importOriginal) => ({
  ...(await importOriginal<typeof ServerChecks>()),
  checkServer: vi.fn(),
  verifyCheckpoint: vi.fn(),
  consistentPosition: vi.fn(),
  snapshotPosition: vi.fn(),
  binlogGtidPosition: vi.fn(),
}))

vi.mock('../../src/binlog/binlog-stream.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Stream>()
  class FakeStream implements FakeStreamShape {
    from: string | undefined
    stops = 0
    constructor(_options: unknown, readonly events: BinlogStreamEvents) {
      streams.push(this)
    }
    start(gtid: string): Promise<void> {
      this.from = gtid
      return startAnswer(this)
    }
    stop(): void {
      this.stops++
    }
  }
  return { ...actual, BinlogStream: FakeStream }
})

/** What the next stream's `start` answers (resolved by default). */
let startAnswer: (stream: FakeStreamShape) => Promise<void> = () => Promise.resolve()

const FILE = 'b.000001'
const START: BinlogPosition = { gtid: '0-1-10', file: FILE, position: 100 }
const FACTS = { version: '11.4.0-MariaDB', serverId: 1 }

// heartbeatInterval 100, stallTimeout 1000, maxLag 400: the watchdog looks every 100 ms.
const OPTIONS: ResolvedSourceOptions = resolveSourceOptions({
  connection: 'mysql://root@127.0.0.1:9/app',
  serverId: 99,
  heartbeatInterval: 100,
  stallTimeout: 1_000,
  maxLag: 400,
  lagProbeInterval: 50,
  connectTimeout: 300,
})

/** A transaction writing `ids` of tenant 1, ending at `end` in the current file. */
function commit(seqNo: number, end: number, ids: number[] = [seqNo]): AnyBinlogEvent[] {
  return [
    gtidEvent(seqNo),
    tableMapEvent(),
    event('writerows', { tableId: 7, rows: ids.map((id) => ({ id, tenant_id: 1 })) }),
    event('xid', { nextPosition: end }),
  ]
}
/** A transaction on another table: a group with nothing to invalidate. */
const otherGroup = (seqNo: number, end: number): AnyBinlogEvent[] => [
  gtidEvent(seqNo),
  event('xid', { nextPosition: end }),
]
const heartbeat = (position: number): AnyBinlogEvent => event('heartbeat', { binlogName: FILE, nextPosition: position })

/** A promise the test settles. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

interface FakeControl {
  readonly handlers: Map<string, (error: unknown) => void>
  destroyed: number
}

function fakeControl(): FakeControl {
  const control = {
    handlers: new Map<string, (error: unknown) => void>(),
    destroyed: 0,
    on(name: string, handler: (error: unknown) => void) {
      control.handlers.set(name, handler)
      return control
    },
    destroy() {
      control.destroyed++
    },
  }
  return control
}

interface Delivery {
  readonly message: InvalidationMessage
  readonly phase: 'event' | 'visible' | 'gap'
  readonly gtid: string
  readonly settle: () => void
  readonly fail: (error: unknown) => void
}

interface Rig {
  readonly session: BinlogSession
  readonly host: SessionHost
  readonly control: FakeControl
  readonly deliveries: Delivery[]
  readonly reported: BinlogCheckpoint[]
  /** How many times the host heard of a state change. */
  changes: () => number
  /** Called at each delivery, before it is recorded (a host that reacts at once). */
  onDeliver: (() => void) | undefined
  /** The snapshot the next probes see. */
  snapshot: FilePosition
  /** Sends events on the newest stream. */
  send: (...events: (AnyBinlogEvent | AnyBinlogEvent[])[]) => void
}

/**
 * A session on the fake server (an answer queued with `mockReturnValueOnce` on createConnection
 * before the call comes first). By default every step answers at once (deliveries stay pending
 * until settled, or settle at once with `autoSettle`) and the stream starts at START, caught up.
 */
function openSession(from?: BinlogCheckpoint, { autoSettle = false, options = OPTIONS } = {}): Rig {
  const control = fakeControl()
  vi.mocked(createConnection).mockResolvedValue(control as never)
  const deliveries: Delivery[] = []
  const reported: BinlogCheckpoint[] = []
  let changes = 0
  const host: SessionHost = {
    id: 'source-1',
    options,
    counters: { events: 0, transactions: 0, widened: 0, undecodable: 0, gaps: 0, stalls: 0, heartbeats: 0, probes: 0 },
    deliver: (message, phase, gtid) => {
      rig.onDeliver?.()
      const done = deferred<undefined>()
      deliveries.push({ message, phase, gtid, settle: () => { done.resolve(undefined) }, fail: done.reject })
      if (autoSettle) done.resolve(undefined)
      return done.promise
    },
    delivered: (checkpoint) => { reported.push(checkpoint) },
    changed: () => { changes++ },
  }
  const rig: Rig = {
    session: new BinlogSession(host, from),
    host,
    control,
    deliveries,
    reported,
    changes: () => changes,
    onDeliver: undefined,
    snapshot: { file: FILE, position: 100 },
    send: (...events) => {
      const stream = streams.at(-1) as FakeStreamShape
      for (const e of events.flat()) stream.events.event(e)
    },
  }
  vi.mocked(snapshotPosition).mockImplementation(() => Promise.resolve(rig.snapshot))
  return rig
}

/** Lets every answer already given run (no time passes). */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0)
}
/** Moves the clock `ms` ahead, running each timer due and what its answers trigger. */
async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
}

beforeEach(() => {
  // setImmediate stays real: the stall watchdog's second look runs after the I/O phase, and the
  // tests decide what arrives before it.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] })
  // Sessions start 10 s into the clock, not at 0, where a sum and a difference of two of its
  // readings would agree. Times in the comments ("t = 50") count from the session's start.
  vi.advanceTimersByTime(10_000)
  streams.length = 0
  startAnswer = () => Promise.resolve()
  vi.mocked(checkServer).mockResolvedValue(FACTS)
  vi.mocked(verifyCheckpoint).mockResolvedValue(undefined)
  vi.mocked(consistentPosition).mockResolvedValue(START)
  vi.mocked(binlogGtidPosition).mockResolvedValue(START.gtid)
})

afterEach(() => {
  vi.useRealTimers()
  vi.clearAllMocks()
})

describe('G-BINLOG-GAP: BinlogSession: connecting and starting', () => {
  it('a session stopped while connecting closes the connection when it arrives, and checks nothing', async () => {
    const connecting = deferred<FakeControl>()
    vi.mocked(createConnection).mockReturnValueOnce(connecting.promise as never)
    const { session } = openSession()
    session.stop()
    const late = fakeControl()
    connecting.resolve(late)
    await settle()
    expect(late.destroyed).toBe(1)
    expect(late.handlers.size).toBe(0)
    expect(vi.mocked(checkServer)).not.toHaveBeenCalled()
    expect(session.state).toBe('ended')
    expect(session.endReason).toBeUndefined()
    await expect(session.ended).resolves.toBeUndefined()
    await expect(session.ready).rejects.toThrow(new BinlogConnectionError('The stream was stopped before it caught up'))
  })

  it('a connection that arrives after connectTimeout is closed at once; the session ended with the deadline in words', async () => {
    const connecting = deferred<FakeControl>()
    vi.mocked(createConnection).mockReturnValueOnce(connecting.promise as never)
    const rig = openSession()
    await elapse(299)
    expect(rig.session.state).toBe('starting')
    await elapse(1)
    expect(rig.session.state).toBe('ended')
    expect(rig.session.endReason).toEqual(new BinlogConnectionError('The server did not answer within 300 ms while connecting'))
    await expect(rig.session.ready).rejects.toBe(rig.session.endReason)
    const late = fakeControl()
    connecting.resolve(late)
    await settle()
    expect(late.destroyed).toBe(1)
  })

  it('a connection refused for want of any right on the database is a privilege error naming the table; others pass as they are', async () => {
    const denied = Object.assign(new Error("Access denied for user 'tailer'@'%' to database 'app'"), { errno: 1044 })
    vi.mocked(createConnection).mockRejectedValueOnce(denied)
    const rig = openSession()
    await settle()
    const reason = rig.session.endReason as BinlogPrivilegeError
    expect(reason).toBeInstanceOf(BinlogPrivilegeError)
    expect(reason.message).toContain('GRANT SELECT ON `app`.`contacts`')
    expect(reason.cause).toBe(denied)

    const refused = Object.assign(new Error('connect ECONNREFUSED'), { errno: 1045 })
    vi.mocked(createConnection).mockRejectedValueOnce(refused)
    const other = openSession()
    await settle()
    expect(other.session.endReason).toBe(refused)
  })

  it.each([
    ['checking the server', () => vi.mocked(checkServer).mockReturnValue(new Promise(() => undefined)), true],
    ['verifying the checkpoint', () => vi.mocked(verifyCheckpoint).mockReturnValue(new Promise(() => undefined)), true],
    ['reading the position', () => vi.mocked(consistentPosition).mockReturnValue(new Promise(() => undefined)), false],
    ['reading the position to catch up with', () => vi.mocked(binlogGtidPosition).mockReturnValue(new Promise(() => undefined)), true],
  ])('a server silent while %s ends the session after connectTimeout, in words', async (what, silence, fromCheckpoint) => {
    silence()
    const rig = openSession(fromCheckpoint ? { ...START, serverId: 1 } : undefined)
    await elapse(299)
    expect(rig.session.state).not.toBe('ended')
    await elapse(1)
    expect(rig.session.endReason).toEqual(new BinlogConnectionError(`The server did not answer within 300 ms while ${what}`))
    expect(rig.control.destroyed).toBe(1)
  })

  it('resumes from a verified checkpoint: no gap, its position already delivered', async () => {
    const rig = openSession({ ...START, gtid: '0-1-7', serverId: 1 })
    vi.mocked(binlogGtidPosition).mockResolvedValue('0-1-7')
    await settle()
    expect(streams.map((s) => s.from)).toEqual(['0-1-7'])
    expect(vi.mocked(consistentPosition)).not.toHaveBeenCalled()
    expect(rig.host.counters.gaps).toBe(0)
    expect(rig.deliveries).toEqual([])
    rig.send(otherGroup(8, 150))
    expect(rig.reported).toEqual([{ gtid: '0-1-8', file: FILE, position: 150, serverId: 1 }])
    rig.session.stop()
  })

  it.each([
    ['no checkpoint', undefined, undefined, 'no-checkpoint'],
    ['a checkpoint the server purged', { ...START, gtid: '0-1-3', serverId: 1 }, 'purged', 'purged'],
    ["another server's checkpoint", { ...START, gtid: '0-1-3', serverId: 2 }, 'server-changed', 'server-changed'],
  ] as const)('%s: streams from a consistent position, then invalidates everything, holding every later position until that is delivered', async (_, from, verdict, reason) => {
    vi.mocked(verifyCheckpoint).mockResolvedValue(verdict)
    const gaps: BinlogGapEvent[] = []
    const listener = (message: unknown): void => { gaps.push(message as BinlogGapEvent) }
    subscribe(BINLOG_CHANNELS.gap, listener)
    try {
      const rig = openSession(from)
      await settle()
      expect(streams.map((s) => s.from)).toEqual([START.gtid])
      expect(rig.host.counters.gaps).toBe(1)
      expect(gaps).toEqual([{ source: 'source-1', reason, position: START }])
      expect(rig.deliveries.map(({ message, phase, gtid }) => ({ message, phase, gtid }))).toEqual([{ message: { kind: 'all' }, phase: 'gap', gtid: START.gtid }])
      rig.send(otherGroup(11, 150))
      expect(rig.reported).toEqual([])
      rig.deliveries[0]?.settle()
      await settle()
      expect(rig.reported).toEqual([{ gtid: '0-1-11', file: FILE, position: 150, serverId: 1 }])
      rig.session.stop()
    } finally {
      unsubscribe(BINLOG_CHANNELS.gap, listener)
    }
  })

  it('a checkpoint the dump refuses after it was verified (purged in between) becomes a gap of the dump\'s reason', async () => {
    startAnswer = (stream) => (streams.indexOf(stream) === 0 ? Promise.reject(new BinlogGapError(new Error('binlog purged'))) : Promise.resolve())
    const rig = openSession({ ...START, gtid: '0-1-3', serverId: 1 })
    await settle()
    expect(streams.map((s) => [s.from, s.stops])).toEqual([['0-1-3', 1], [START.gtid, 0]])
    expect(rig.session.state).toBe('streaming')
    expect(rig.deliveries.map((d) => [d.message, d.phase])).toEqual([[{ kind: 'all' }, 'gap']])
    expect(rig.host.counters.gaps).toBe(1)
    // The checkpoint no longer counts: nothing past the new start is delivered before the gap is.
    rig.send(otherGroup(11, 150))
    expect(rig.reported).toEqual([])
    rig.deliveries[0]?.settle()
    await settle()
    expect(rig.reported.map((r) => r.gtid)).toEqual(['0-1-11'])
    rig.session.stop()
  })

  it('reading the position again after the dump refused the checkpoint is bounded by connectTimeout too, in words', async () => {
    startAnswer = () => Promise.reject(new BinlogGapError(new Error('binlog purged')))
    vi.mocked(consistentPosition).mockReturnValue(new Promise(() => undefined))
    const rig = openSession({ ...START, gtid: '0-1-3', serverId: 1 })
    await elapse(299)
    expect(rig.session.state).toBe('starting')
    await elapse(1)
    expect(rig.session.endReason).toEqual(new BinlogConnectionError('The server did not answer within 300 ms while reading the position'))
  })

  it('a session stopped while the server is checked, or while the dump starts, streams nothing and leaves no timer', async () => {
    const checking = deferred<typeof FACTS>()
    vi.mocked(checkServer).mockReturnValueOnce(checking.promise)
    const duringChecks = openSession()
    await settle()
    duringChecks.session.stop()
    checking.resolve(FACTS)
    await settle()
    expect(streams).toHaveLength(0)
    expect(duringChecks.deliveries).toEqual([])

    const starting = deferred<undefined>()
    startAnswer = () => starting.promise
    const duringStart = openSession()
    await settle()
    expect(streams).toHaveLength(1)
    duringStart.session.stop()
    starting.resolve(undefined)
    await settle()
    expect((streams[0] as FakeStreamShape).stops).toBe(1)
    expect(duringStart.deliveries).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
    expect(duringStart.session.state).toBe('ended')
  })

  it('a host that ends the session from within a delivery gets no state change after the end', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    rig.onDeliver = () => { rig.session.stop() }
    await settle()
    expect(rig.deliveries.map((d) => d.phase)).toEqual(['gap'])
    expect(rig.session.state).toBe('ended')
    const changes = rig.changes()
    await elapse(1_000)
    expect(rig.session.state).toBe('ended')
    expect(rig.changes()).toBe(changes)
  })

  it('checkServerOnce (a standby\'s check) checks the server on its own connection within connectTimeout, then closes it', async () => {
    const control = fakeControl()
    vi.mocked(createConnection).mockResolvedValueOnce(control as never)
    await checkServerOnce(OPTIONS)
    expect(vi.mocked(checkServer)).toHaveBeenCalledWith(control, 'app', 'contacts', 99)
    expect(control.destroyed).toBe(1)
    // Its errors are taken, not thrown as unhandled.
    expect([...control.handlers.keys()]).toEqual(['error'])

    const refusal = new BinlogConnectionError('refused')
    vi.mocked(checkServer).mockRejectedValueOnce(refusal)
    const refused = fakeControl()
    vi.mocked(createConnection).mockResolvedValueOnce(refused as never)
    await expect(checkServerOnce(OPTIONS)).rejects.toBe(refusal)
    expect(refused.destroyed).toBe(1)

    vi.mocked(checkServer).mockReturnValueOnce(new Promise(() => undefined))
    const silent = fakeControl()
    vi.mocked(createConnection).mockResolvedValueOnce(silent as never)
    const checking = checkServerOnce(OPTIONS)
    const verdict = expect(checking).rejects.toEqual(new BinlogConnectionError('The server did not answer within 300 ms while checking the server'))
    await elapse(300)
    await verdict
    expect(silent.destroyed).toBe(1)
  })

  it('a dump refused when the session already started at a gap, or refused for another reason, ends the session with that error', async () => {
    const refusal = new BinlogGapError(new Error('binlog purged'))
    startAnswer = () => Promise.reject(refusal)
    const atGap = openSession()
    await settle()
    expect(atGap.session.endReason).toBe(refusal)
    expect(streams).toHaveLength(1)
    expect(atGap.deliveries).toEqual([])

    const other = new BinlogConnectionError('The server closed the connection')
    startAnswer = () => Promise.reject(other)
    const failed = openSession({ ...START, serverId: 1 })
    await settle()
    expect(failed.session.endReason).toBe(other)
  })

  it('catches up: ready, and streaming, only once the stream covers the server\'s position read at the start', async () => {
    vi.mocked(binlogGtidPosition).mockResolvedValue('0-1-12')
    const rig = openSession(undefined, { autoSettle: true })
    let ready = false
    void rig.session.ready.then(() => { ready = true })
    await settle()
    expect(rig.session.state).toBe('catching-up')
    const changesWhileCatchingUp = rig.changes()
    // Neither the watchdog's looks, nor a probe's target held past maxLag and then reached, end
    // the catching up: only covering the position does.
    rig.snapshot = { file: FILE, position: 120 }
    await elapse(600)
    expect(rig.session.state).toBe('catching-up')
    rig.send(heartbeat(120))
    expect(rig.session.lagMs).toBe(550)
    expect(rig.session.state).toBe('catching-up')
    await elapse(200)
    expect(rig.session.state).toBe('catching-up')
    rig.send(otherGroup(11, 150))
    await settle()
    expect([ready, rig.session.state]).toEqual([false, 'catching-up'])
    rig.send(otherGroup(12, 200))
    await settle()
    expect([ready, rig.session.state]).toEqual([true, 'streaming'])
    expect(rig.changes()).toBe(changesWhileCatchingUp + 1)
    rig.session.stop()
  })
})

describe('G-BINLOG-FRESH: BinlogSession: what it counts and delivers', () => {
  it('counts events, transactions, widened tenants, undecodable events and heartbeats', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    rig.send(commit(11, 150))
    const manyIds = Array.from({ length: OPTIONS.maxIdsPerTenant + 1 }, (_, i) => i + 1)
    rig.send(commit(12, 200, manyIds))
    rig.send(gtidEvent(13))
    ;(streams.at(-1) as FakeStreamShape).events.undecodable(new Error('bad row'))
    rig.send(event('xid', { nextPosition: 250 }), heartbeat(260))
    expect(rig.host.counters).toMatchObject({ events: 4 + 4 + 2 + 1, transactions: 3, widened: 1, undecodable: 1, heartbeats: 1 })
    expect(rig.deliveries.filter((d) => d.phase === 'event').map((d) => d.message)).toEqual([
      { kind: 'ids', tenantId: 1, ids: [11] },
      { kind: 'tenant', tenantId: 1 },
      { kind: 'all' },
    ])
    rig.session.stop()
  })

  it('a commit is delivered once its event\'s invalidations and its visible re-invalidation are; only then is its position reported', async () => {
    const rig = openSession({ ...START, serverId: 1 })
    await settle()
    rig.send(commit(11, 200, [5, 6]))
    expect(rig.deliveries.map((d) => [d.message, d.phase, d.gtid])).toEqual([[{ kind: 'ids', tenantId: 1, ids: [5, 6] }, 'event', '0-1-11']])
    expect(rig.session.unconfirmed).toBe(1)
    rig.deliveries[0]?.settle()
    await settle()
    // Nothing past the checkpoint it resumed from.
    const resumed = { ...START, serverId: 1 }
    expect(rig.reported).toEqual([resumed])
    rig.snapshot = { file: FILE, position: 200 }
    await elapse(1) // the next back-to-back probe
    expect(rig.session.unconfirmed).toBe(0)
    expect(rig.deliveries.slice(1).map((d) => [d.message, d.phase, d.gtid])).toEqual([[{ kind: 'ids', tenantId: 1, ids: [5, 6] }, 'visible', '0-1-11']])
    expect(rig.reported).toEqual([resumed])
    rig.deliveries[1]?.settle()
    await settle()
    expect(rig.reported).toEqual([resumed, { gtid: '0-1-11', file: FILE, position: 200, serverId: 1 }])
    // Nothing new delivered: nothing reported again.
    rig.send(heartbeat(200))
    expect(rig.reported).toHaveLength(2)
    rig.session.stop()
  })

  it('one snapshot releases every commit it shows, merged into one delivery named by the last; not the ones after it', async () => {
    const rig = openSession({ ...START, serverId: 1 }, { autoSettle: true })
    await settle()
    rig.send(commit(11, 200, [1]), commit(12, 300, [2]), commit(13, 400, [3]))
    // The commits woke the probe loop: its probe, next, sees this snapshot.
    rig.snapshot = { file: FILE, position: 300 }
    await settle()
    const visible = rig.deliveries.filter((d) => d.phase === 'visible')
    expect(visible.map((d) => [d.message, d.gtid])).toEqual([[{ kind: 'ids', tenantId: 1, ids: [1, 2] }, '0-1-12']])
    expect(rig.session.unconfirmed).toBe(1)
    rig.session.stop()
  })

  it('a commit without a file offset counts as visible to a probe started maxLag after it arrived, not one earlier', async () => {
    vi.mocked(consistentPosition).mockResolvedValue({ gtid: START.gtid, file: undefined, position: undefined })
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    rig.snapshot = { file: FILE, position: 10_000 }
    await elapse(100)
    rig.send(commit(11, 200))
    expect(rig.session.position).toEqual({ gtid: '0-1-11', file: undefined, position: 200 })
    // Probes run back to back (1 ms apart) while a commit waits.
    await elapse(OPTIONS.maxLag - 1)
    expect(rig.session.unconfirmed).toBe(1)
    // Nor is a position without a file ever at a snapshot: the lag since the first probe grows.
    expect(rig.session.lagMs).toBe(449)
    await elapse(1)
    expect(rig.session.unconfirmed).toBe(0)
    expect(rig.deliveries.filter((d) => d.phase === 'visible')).toHaveLength(1)
    rig.session.stop()
  })

  it('a delivery that fails ends the session with its error; nothing is reported after the end', async () => {
    const rig = openSession({ ...START, serverId: 1 })
    await settle()
    rig.send(commit(11, 200), commit(12, 300))
    const failure = new Error('target down')
    rig.deliveries[0]?.fail(failure)
    await settle()
    expect(rig.session.endReason).toBe(failure)
    for (const d of rig.deliveries) d.settle()
    rig.snapshot = { file: FILE, position: 300 }
    await elapse(100)
    expect(rig.reported.map((r) => r.gtid)).not.toContain('0-1-11')
    expect(rig.reported.map((r) => r.gtid)).not.toContain('0-1-12')
  })
})

describe('G-BINLOG-LIVENESS: BinlogSession: probes and lag', () => {
  it('probes every lagProbeInterval while no commit waits; a commit wakes the probe loop at once', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    expect(rig.host.counters.probes).toBe(0)
    expect(rig.session.lagMs).toBeUndefined()
    await elapse(49)
    expect(rig.host.counters.probes).toBe(0)
    await elapse(1)
    expect(rig.host.counters.probes).toBe(1)
    expect(rig.session.lagMs).toBe(0)
    await elapse(20)
    rig.send(commit(11, 200))
    await settle()
    expect(rig.host.counters.probes).toBe(2)
    rig.session.stop()
  })

  it('reports the lag pending while the stream has not reached a probe\'s snapshot, then the time it took, and the larger of a settled and a pending one', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    rig.snapshot = { file: FILE, position: 300 } // a write the stream has not brought yet
    await elapse(50) // the probe at t = 50 sets the target
    expect(rig.session.lagMs).toBe(0)
    await elapse(30)
    expect(rig.session.lagMs).toBe(30)
    rig.send(heartbeat(250)) // short of the target
    expect(rig.session.lagMs).toBe(30)
    await elapse(10)
    rig.send(heartbeat(300))
    expect(rig.session.lagMs).toBe(40)
    await elapse(5)
    expect(rig.session.lagMs).toBe(40) // settled: no longer growing
    rig.snapshot = { file: FILE, position: 400 }
    await elapse(20) // t = 115: the probe at t = 100 set a new target
    expect(rig.session.lagMs).toBe(40) // pending 15 < settled 40
    await elapse(30)
    expect(rig.session.lagMs).toBe(45)
    rig.send(heartbeat(400))
    expect(rig.session.lagMs).toBe(45)
    await elapse(5) // the probe at t = 150 finds the stream at its snapshot: lag 0
    expect(rig.session.lagMs).toBe(0)
    rig.session.stop()
  })

  it('behind once a probe\'s target waited more than maxLag (checked every maxLag / 4); streaming again the moment the stream reaches it', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    rig.snapshot = { file: FILE, position: 300 }
    await elapse(50) // target set at t = 50
    const changes = rig.changes()
    await elapse(400) // t = 450: the watchdog at 400 saw 350 ms
    expect(rig.session.state).toBe('streaming')
    await elapse(100) // t = 550: the look at t = 500 saw 450 ms > 400
    expect(rig.session.state).toBe('behind')
    expect(rig.changes()).toBe(changes + 1)
    rig.send(otherGroup(11, 250)) // short of the target
    expect(rig.session.state).toBe('behind')
    rig.send(heartbeat(300))
    expect(rig.session.state).toBe('streaming')
    expect(rig.session.lagMs).toBe(500)
    expect(rig.changes()).toBe(changes + 2)
    await elapse(100)
    expect(rig.session.state).toBe('streaming')
    expect(rig.changes()).toBe(changes + 2)
    rig.session.stop()
  })

  it('a probe target exactly maxLag old is not behind yet', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    await elapse(50)
    rig.snapshot = { file: FILE, position: 300 }
    await elapse(50) // target set at t = 100; the watchdog looks at 100, 200, ...
    await elapse(400) // t = 500: 400 ms, not more
    expect(rig.session.state).toBe('streaming')
    await elapse(100)
    expect(rig.session.state).toBe('behind')
    rig.session.stop()
  })

  it('behind once a commit waited more than maxLag for a snapshot to show it, not at maxLag; streaming at the next look after it is released', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    await elapse(100)
    rig.send(commit(11, 200)) // arrives at t = 100; the snapshots stay at 100
    await elapse(400) // t = 500: 400 ms
    expect(rig.session.state).toBe('streaming')
    expect(rig.session.lagMs).toBe(0) // the stream is ahead of every snapshot
    await elapse(100)
    expect(rig.session.state).toBe('behind')
    rig.snapshot = { file: FILE, position: 200 }
    await elapse(1) // the next probe releases it
    expect(rig.session.unconfirmed).toBe(0)
    expect(rig.session.state).toBe('behind')
    await elapse(99) // the watchdog's look at t = 700
    expect(rig.session.state).toBe('streaming')
    rig.session.stop()
  })

  it('a probe that fails ends the session with its error', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    const failure = new Error('Lost connection to server during query')
    vi.mocked(snapshotPosition).mockRejectedValueOnce(failure)
    await elapse(50)
    expect(rig.session.endReason).toBe(failure)
  })

  it('a probe the server does not answer ends the session after connectTimeout, in words', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    vi.mocked(snapshotPosition).mockReturnValue(new Promise(() => undefined))
    await elapse(349) // the probe started at t = 50
    expect(rig.session.state).toBe('streaming')
    await elapse(1)
    expect(rig.session.endReason).toEqual(new BinlogConnectionError('The server did not answer within 300 ms while probing the position'))
  })
})

describe('G-BINLOG-LIVENESS: BinlogSession: stalls and ends', () => {
  it('no event for more than stallTimeout ends the session in words, counted as a stall', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    await elapse(1_000) // the look at t = 1000 saw exactly stallTimeout
    await new Promise((resolve) => setImmediate(resolve))
    expect(rig.session.state).toBe('streaming')
    await elapse(100)
    await new Promise((resolve) => setImmediate(resolve))
    expect(rig.session.endReason).toEqual(new BinlogConnectionError('No binlog event or heartbeat for 1000 ms: the stream stalled'))
    expect(rig.host.counters.stalls).toBe(1)
  })

  it('an event that arrives before the watchdog\'s second look (after the I/O phase) saves the stream', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    await elapse(1_099)
    vi.advanceTimersByTime(1) // the look at t = 1100 sees the stall, and looks again after I/O
    rig.send(heartbeat(100)) // which this heartbeat, already in, precedes
    await new Promise((resolve) => setImmediate(resolve))
    expect(rig.session.state).toBe('streaming')
    expect(rig.host.counters.stalls).toBe(0)
    rig.session.stop()
  })

  it('the stream\'s failure or the connection\'s error ends the session with it, stopping the stream and closing the connection', async () => {
    const failed = openSession(undefined, { autoSettle: true })
    await settle()
    const failure = new BinlogConnectionError('Connection lost: The server closed the connection.')
    ;(streams.at(-1) as FakeStreamShape).events.failure(failure)
    expect(failed.session.endReason).toBe(failure)
    expect((streams.at(-1) as FakeStreamShape).stops).toBe(1)
    expect(failed.control.destroyed).toBe(1)
    await expect(failed.session.ended).resolves.toBe(failure)

    const broken = openSession(undefined, { autoSettle: true })
    await settle()
    const error = new Error('read ECONNRESET')
    broken.control.handlers.get('error')?.(error)
    expect(broken.session.endReason).toBe(error)
  })

  it('ends once: a later failure changes neither the reason nor the host, and no timer is left running', async () => {
    const rig = openSession(undefined, { autoSettle: true })
    await settle()
    const probes = rig.host.counters.probes
    rig.session.stop()
    const changes = rig.changes()
    expect(vi.getTimerCount()).toBe(0)
    await settle()
    expect(rig.host.counters.probes).toBe(probes) // the sleeping probe loop woke, and left
    rig.control.handlers.get('error')?.(new Error('read ECONNRESET'))
    ;(streams.at(-1) as FakeStreamShape).events.failure(new Error('late'))
    expect(rig.session.endReason).toBeUndefined()
    expect(rig.changes()).toBe(changes)
    expect((streams.at(-1) as FakeStreamShape).stops).toBe(1)
    expect(rig.control.destroyed).toBe(1)
    // Events still in the socket after the end change nothing either.
    const delivered = rig.deliveries.length
    rig.send(commit(11, 200))
    expect(rig.deliveries).toHaveLength(delivered)
  })

  it('looks for a stall every stallTimeout / 4 when that is the shortest of stallTimeout / 4, maxLag / 4 and 250 ms', async () => {
    const options = { ...OPTIONS, stallTimeout: 200 } // looks every 50 ms
    const rig = openSession(undefined, { autoSettle: true, options })
    await settle()
    await elapse(250) // the look at t = 250 saw 250 ms > 200
    await new Promise((resolve) => setImmediate(resolve))
    expect(rig.session.endReason).toEqual(new BinlogConnectionError('No binlog event or heartbeat for 200 ms: the stream stalled'))
  })
})
