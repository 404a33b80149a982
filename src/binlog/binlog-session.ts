import type { AnyBinlogEvent } from '@vlasky/zongji'
import { createConnection, type Connection } from 'mysql2/promise'
import type { InvalidationMessage } from '../invalidation/invalidation-bus.js'
import type { ResolvedSourceOptions } from './binlog-invalidation-source-options.js'
import { compareFilePositions, type BinlogPosition, type FilePosition } from './binlog-position.js'
import { BinlogGapError, BinlogStream } from './binlog-stream.js'
import { ChangeSet } from './change-set.js'
import type { BinlogCheckpoint } from './checkpoint-store.js'
import { withDeadline } from './deadline.js'
import { DeliveryLedger, type LedgerEntry } from './delivery-ledger.js'
import { gapChannel, type BinlogGapEvent, type GapReason } from './diagnostics.js'
import { BinlogConnectionError } from './errors.js'
import {
  binlogGtidPosition,
  checkServer,
  errno,
  selectPrivilegeError,
  consistentPosition,
  snapshotPosition,
  verifyCheckpoint,
  type ServerFacts,
} from './server-checks.js'
import { TransactionTracker } from './transaction-tracker.js'

/** Counters a session adds to (the source's, shared by its sessions). */
export interface SessionCounters {
  events: number
  transactions: number
  widened: number
  undecodable: number
  gaps: number
  stalls: number
  heartbeats: number
  probes: number
}

/** What a session needs from the source that runs it. */
export interface SessionHost {
  readonly id: string
  readonly options: ResolvedSourceOptions
  readonly counters: SessionCounters
  /** Sends one invalidation to the target; resolves once published or queued. */
  deliver(message: InvalidationMessage, phase: 'event' | 'visible' | 'gap', gtid: string): Promise<void>
  /** Everything up to `checkpoint` was delivered. */
  delivered(checkpoint: BinlogCheckpoint): void
  /** The session's state changed. */
  changed(): void
}

/** Where a session is in its life. */
export type SessionState = 'starting' | 'catching-up' | 'streaming' | 'behind' | 'ended'

/** A commit whose event arrived, waiting for a snapshot that shows it visible. */
interface Unconfirmed {
  readonly end: FilePosition | undefined
  readonly arrivedAt: number
  readonly changes: ChangeSet
  readonly entry: LedgerEntry
  readonly gtid: string
}

/**
 * One run of the stream, from connecting to its end (a failure, a stall, or `stop()`): checks
 * the server, resumes from `from` or starts at a gap, streams, confirms visibility, measures
 * lag, and tells its host what was delivered. The source starts a new session after each end.
 *
 * The visibility race: a commit's events can reach the tailer a few milliseconds before the
 * commit is visible to other readers, so a read started just after the first invalidation can
 * still load the old row and cache it. Each transaction's invalidations are therefore sent
 * twice: when its commit arrives, and again once a consistent snapshot's binlog offset
 * (`Binlog_snapshot_position`) has passed the commit, which proves it visible to every read
 * that starts afterwards; a read that started earlier is either in flight (the repository
 * detaches it) or done (the second invalidation deletes what it cached). One snapshot probe
 * confirms every commit before its offset, so the cost is one probe per round trip under load.
 */
/** Opens the source's own connection to the server, within `connectTimeout`. */
async function connectControl(options: ResolvedSourceOptions): Promise<Connection> {
  const connecting = createConnection(options.connection)
  try {
    return await withDeadline(connecting, options.connectTimeout, 'connecting')
  } catch (error) {
    // One that connects after the deadline is closed at once.
    connecting.then((late) => { late.destroy() }, () => undefined)
    // No right at all on the connection's database: the SELECT on the table is missing.
    if (errno(error) === 1044) throw selectPrivilegeError(options.schema, options.table, error)
    throw error
  }
}

/** Checks the server as a session would (for a tailer standing by), then disconnects. */
export async function checkServerOnce(options: ResolvedSourceOptions): Promise<void> {
  const control = await connectControl(options)
  control.on('error', () => undefined)
  try {
    await withDeadline(checkServer(control, options.schema, options.table, options.serverId), options.connectTimeout, 'checking the server')
  } finally {
    control.destroy()
  }
}

export class BinlogSession {
  readonly #host: SessionHost
  readonly #options: ResolvedSourceOptions
  readonly #from: BinlogCheckpoint | undefined
  readonly ready: Promise<void>
  readonly ended: Promise<unknown>
  #resolveReady!: () => void
  #rejectReady!: (error: unknown) => void
  #resolveEnded!: (reason: unknown) => void
  #state: SessionState = 'starting'
  #endReason: unknown
  #control: Connection | undefined
  #stream: BinlogStream | undefined
  #tracker: TransactionTracker | undefined
  #ledger: DeliveryLedger | undefined
  #gapEntry: LedgerEntry | undefined
  #facts: ServerFacts | undefined
  #reported: BinlogPosition | undefined
  #lastEventAt = performance.now()
  #catchUpTarget: string | undefined
  #lagTarget: { readonly position: FilePosition; readonly at: number } | undefined
  #lagMs: number | undefined
  readonly #unconfirmed: Unconfirmed[] = []
  #wake: (() => void) | undefined
  #watchdog: NodeJS.Timeout | undefined

  constructor(host: SessionHost, from: BinlogCheckpoint | undefined) {
    this.#host = host
    this.#options = host.options
    this.#from = from
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve
      this.#rejectReady = reject
    })
    this.ready.catch(() => undefined)
    this.ended = new Promise((resolve) => { this.#resolveEnded = resolve })
    void this.#run().catch((error: unknown) => { this.#end(error) })
  }

  get state(): SessionState {
    return this.#state
  }

  /**
   * Milliseconds the stream last took to reach a probe's position, or how long it has been
   * trying to reach the current one if that is longer (`undefined` before the first probe).
   */
  get lagMs(): number | undefined {
    const pending = this.#lagTarget === undefined ? undefined : performance.now() - this.#lagTarget.at
    if (pending === undefined) return this.#lagMs
    return Math.max(pending, this.#lagMs ?? 0)
  }

  /** Commits waiting for a snapshot that shows them visible. */
  get unconfirmed(): number {
    return this.#unconfirmed.length
  }

  /** The stream's position (the last group that ended). */
  get position(): BinlogPosition | undefined {
    return this.#tracker?.position()
  }

  /** What ended the session (`undefined` while it runs, or after `stop()`). */
  get endReason(): unknown {
    return this.#endReason
  }

  /** Ends the session (no failure reported). */
  stop(): void {
    this.#end(undefined)
  }

  async #run(): Promise<void> {
    const options = this.#options
    const control = await connectControl(options)
    if (this.#isEnded()) {
      control.destroy()
      return
    }
    this.#control = control
    control.on('error', (error: unknown) => { this.#end(error) })
    const facts = await this.#deadline(checkServer(control, options.schema, options.table, options.serverId), 'checking the server')
    this.#facts = facts
    let gap: GapReason | undefined
    let start: BinlogPosition
    if (this.#from === undefined) {
      gap = 'no-checkpoint'
    } else {
      gap = await this.#deadline(verifyCheckpoint(control, this.#from, facts), 'verifying the checkpoint')
    }
    if (gap === undefined && this.#from !== undefined) {
      start = this.#from
    } else {
      start = await this.#deadline(consistentPosition(control), 'reading the position')
    }
    try {
      await this.#startStream(start, gap !== undefined)
    } catch (error) {
      // The server refused the checkpoint after all (purged between the check and the dump).
      if (!(error instanceof BinlogGapError) || gap !== undefined) throw error
      gap = error.reason
      start = await this.#deadline(consistentPosition(control), 'reading the position')
      await this.#startStream(start, true)
    }
    if (gap !== undefined) this.#invalidateGap(gap, start)
    this.#setState('catching-up')
    this.#catchUpTarget = await this.#deadline(binlogGtidPosition(control), 'reading the position to catch up with')
    this.#alive()
    this.#checkCaughtUp()
    void this.#probeLoop().catch((error: unknown) => { this.#end(error) })
  }

  #isEnded(): boolean {
    return this.#state === 'ended'
  }

  // Throws once the session ended, so that #run stops at its next step.
  #alive(): void {
    if (this.#state === 'ended') throw new BinlogConnectionError('The session ended')
  }

  async #startStream(start: BinlogPosition, gap: boolean): Promise<void> {
    const options = this.#options
    this.#alive()
    this.#stream?.stop()
    this.#ledger = new DeliveryLedger(gap ? undefined : start)
    // Held from before the first event: nothing after `start` counts as delivered until the
    // full invalidation of the gap is.
    this.#gapEntry = gap ? this.#ledger.record(start, 1) : undefined
    this.#tracker = new TransactionTracker(start, options, {
      groupEnd: (changes, position) => { this.#groupEnd(changes, position) },
      heartbeat: (position) => {
        this.#host.counters.heartbeats++
        this.#progress(position)
      },
    })
    const stream = new BinlogStream(
      {
        connection: options.connection,
        serverId: options.serverId,
        schema: options.schema,
        table: options.table,
        heartbeatInterval: options.heartbeatInterval,
        startTimeout: options.connectTimeout,
      },
      {
        event: (event) => { this.#event(event) },
        undecodable: () => {
          this.#host.counters.undecodable++
          this.#tracker?.undecodable()
        },
        failure: (error) => { this.#end(error) },
      },
    )
    this.#stream = stream
    await stream.start(start.gtid)
    this.#alive()
    this.#lastEventAt = performance.now()
    this.#startWatchdog()
  }

  #event(event: AnyBinlogEvent): void {
    this.#host.counters.events++
    this.#lastEventAt = performance.now()
    this.#tracker?.handle(event)
  }

  // Streaming already started from the position: only now is forgetting everything complete.
  #invalidateGap(reason: GapReason, start: BinlogPosition): void {
    this.#host.counters.gaps++
    if (gapChannel.hasSubscribers) {
      gapChannel.publish({ source: this.#host.id, reason, position: start } satisfies BinlogGapEvent)
    }
    // Everything before `start` was visible when it was read (a consistent snapshot), so one
    // full invalidation, sent after streaming began, leaves nothing stale.
    this.#track(this.#gapEntry as LedgerEntry, this.#host.deliver({ kind: 'all' }, 'gap', start.gtid))
  }

  #groupEnd(changes: ChangeSet | undefined, position: BinlogPosition): void {
    const ledger = this.#ledger
    if (ledger === undefined || this.#state === 'ended') return
    if (changes === undefined) {
      ledger.record(position, 0)
    } else {
      this.#host.counters.transactions++
      this.#host.counters.widened += changes.widened
      const messages = changes.messages()
      // Held once more for the re-invalidation once the commit is seen visible.
      const entry = ledger.record(position, messages.length + 1)
      for (const message of messages) this.#track(entry, this.#host.deliver(message, 'event', position.gtid))
      const end = position.file !== undefined && position.position !== undefined ? { file: position.file, position: position.position } : undefined
      this.#unconfirmed.push({ end, arrivedAt: performance.now(), changes, entry, gtid: position.gtid })
      this.#wake?.()
    }
    this.#progress(position)
  }

  /** The stream reached `position`: catch-up, lag, delivered checkpoint. */
  #progress(position: BinlogPosition): void {
    this.#reportDelivered()
    if (this.#lagTarget !== undefined && reached(position, this.#lagTarget.position)) {
      this.#lagMs = performance.now() - this.#lagTarget.at
      this.#lagTarget = undefined
      if (this.#state === 'behind' && !this.#isBehind(performance.now())) this.#setState('streaming')
    }
    this.#checkCaughtUp()
  }

  #checkCaughtUp(): void {
    if (this.#state !== 'catching-up' || this.#catchUpTarget === undefined) return
    if (this.#tracker?.covers(this.#catchUpTarget) !== true) return
    this.#setState('streaming')
    this.#resolveReady()
  }

  #track(entry: LedgerEntry, delivery: Promise<void>): void {
    delivery.then(
      () => {
        if (this.#state === 'ended') return
        this.#ledger?.settle(entry)
        this.#reportDelivered()
      },
      (error: unknown) => { this.#end(error) },
    )
  }

  #reportDelivered(): void {
    const delivered = this.#ledger?.delivered
    if (delivered === undefined || delivered === this.#reported || this.#facts === undefined || this.#state === 'ended') return
    this.#reported = delivered
    this.#host.delivered({ ...delivered, serverId: this.#facts.serverId })
  }

  // Probes a consistent snapshot: releases the commits it shows visible, and sets the target
  // the stream must reach within `maxLag`. Runs back to back while commits wait, else every
  // `lagProbeInterval`.
  async #probeLoop(): Promise<void> {
    const control = this.#control as Connection
    while (!this.#isEnded()) {
      if (this.#unconfirmed.length === 0) await this.#sleep(this.#options.lagProbeInterval, true)
      if (this.#isEnded()) return
      const startedAt = performance.now()
      const snapshot = await this.#deadline(snapshotPosition(control), 'probing the position')
      this.#host.counters.probes++
      const position = this.#tracker?.position()
      if (position !== undefined && reached(position, snapshot)) {
        if (this.#lagTarget === undefined) this.#lagMs = 0
      } else {
        this.#lagTarget ??= { position: snapshot, at: startedAt }
      }
      const released = this.#release(snapshot, startedAt)
      if (released === 0 && this.#unconfirmed.length > 0) await this.#sleep(1, false)
    }
  }

  #release(snapshot: FilePosition, probeStartedAt: number): number {
    let count = 0
    while (count < this.#unconfirmed.length) {
      const waiting = this.#unconfirmed[count] as Unconfirmed
      // Without a known offset (never seen on MariaDB), a probe started maxLag later counts.
      const visible = waiting.end === undefined
        ? probeStartedAt - waiting.arrivedAt >= this.#options.maxLag
        : compareFilePositions(waiting.end, snapshot) <= 0
      if (!visible) break
      count++
    }
    if (count === 0) return 0
    const batch = this.#unconfirmed.splice(0, count)
    const merged = new ChangeSet(this.#options.maxIdsPerTenant, this.#options.maxTenantsPerTransaction)
    for (const waiting of batch) merged.merge(waiting.changes)
    const gtid = (batch[batch.length - 1] as Unconfirmed).gtid
    const deliveries = merged.messages().map((message) => this.#host.deliver(message, 'visible', gtid))
    const all = Promise.all(deliveries).then(() => undefined)
    for (const waiting of batch) this.#track(waiting.entry, all)
    return count
  }

  #isBehind(now: number): boolean {
    if (this.#lagTarget !== undefined && now - this.#lagTarget.at > this.#options.maxLag) return true
    const oldest = this.#unconfirmed[0]
    return oldest !== undefined && now - oldest.arrivedAt > this.#options.maxLag
  }

  // Once per session: only the stream that started (the last #startStream) starts it.
  #startWatchdog(): void {
    const { stallTimeout, maxLag } = this.#options
    const every = Math.max(10, Math.min(Math.floor(stallTimeout / 4), Math.floor(maxLag / 4), 250))
    this.#watchdog = setInterval(() => { this.#watch() }, every)
    this.#watchdog.unref()
  }

  #watch(): void {
    const now = performance.now()
    if (now - this.#lastEventAt > this.#options.stallTimeout) {
      // Decide after the I/O phase: after a long pause of this process the next event may
      // already wait in the socket (as the Redis bus's heartbeat does).
      const seen = this.#lastEventAt
      setImmediate(() => {
        if (this.#state === 'ended' || this.#lastEventAt !== seen) return
        this.#host.counters.stalls++
        this.#end(new BinlogConnectionError(`No binlog event or heartbeat for ${this.#options.stallTimeout} ms: the stream stalled`))
      })
      return
    }
    if (this.#state === 'streaming' && this.#isBehind(now)) this.#setState('behind')
    else if (this.#state === 'behind' && !this.#isBehind(now)) this.#setState('streaming')
  }

  #setState(state: SessionState): void {
    if (this.#state === state || this.#state === 'ended') return
    this.#state = state
    this.#host.changed()
  }

  #end(reason: unknown): void {
    if (this.#state === 'ended') return
    this.#state = 'ended'
    this.#endReason = reason
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog)
    this.#stream?.stop()
    this.#control?.destroy()
    this.#wake?.()
    this.#rejectReady(reason ?? new BinlogConnectionError('The stream was stopped before it caught up'))
    this.#resolveEnded(reason)
    this.#host.changed()
  }

  #sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      if (wakeable) {
        this.#wake = () => {
          this.#wake = undefined
          done()
        }
      }
    })
  }

  #deadline<T>(promise: Promise<T>, what: string): Promise<T> {
    return withDeadline(promise, this.#options.connectTimeout, what)
  }
}

function reached(position: BinlogPosition, target: FilePosition): boolean {
  if (position.file === undefined || position.position === undefined) return false
  return compareFilePositions({ file: position.file, position: position.position }, target) >= 0
}
