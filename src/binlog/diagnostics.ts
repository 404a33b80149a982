import { channel } from 'node:diagnostics_channel'
import type { InvalidationMessage } from '../invalidation/invalidation-bus.js'
import type { BinlogPosition } from './binlog-position.js'

/**
 * `node:diagnostics_channel` channels the binlog source publishes to (free while nobody
 * listens). Every event names the source (`source`: its `id`).
 */
export const BINLOG_CHANNELS = {
  /** {@link BinlogGapEvent}: the stream started without a usable checkpoint; everything was invalidated. */
  gap: 'contact-repository:binlog:gap',
  /** {@link BinlogStateEvent}: the source's state changed (and with it, maybe, its health). */
  state: 'contact-repository:binlog:state',
  /** {@link BinlogInvalidateEvent}: the source sent an invalidation to its target or subscribers. */
  invalidate: 'contact-repository:binlog:invalidate',
  /** {@link BinlogRestartEvent}: a stream ended and will be restarted from the checkpoint. */
  restart: 'contact-repository:binlog:restart',
} as const

/** Why the stream had no usable checkpoint. */
export type GapReason = 'no-checkpoint' | 'purged' | 'server-changed'

export interface BinlogGapEvent {
  readonly source: string
  readonly reason: GapReason
  /** Where streaming started (read in one consistent step). */
  readonly position: BinlogPosition
}

/** What the source is doing; only `streaming` is healthy. */
export type BinlogSourceState =
  /** Not started, or `start()` failed. */
  | 'idle'
  /** Connecting, checking the server, resolving the position. */
  | 'starting'
  /** Streaming, not yet at the server's position of when it started. */
  | 'catching-up'
  /** Streaming, caught up, live: invalidations arrive within the healthy bound. */
  | 'streaming'
  /** Streaming, but the probe's position was not reached within `maxLag`. */
  | 'behind'
  /** The stream ended or stalled; waiting to restart from the checkpoint. */
  | 'down'
  /** Another tailer holds the lease; this one is ready to take over. */
  | 'standby'
  | 'closed'

export interface BinlogStateEvent {
  readonly source: string
  readonly state: BinlogSourceState
  readonly healthy: boolean
  /**
   * For `down`: what ended the stream (the driver's or server's error; a stall is a
   * `BinlogConnectionError` saying so). `undefined` otherwise.
   */
  readonly cause: unknown
}

export interface BinlogInvalidateEvent {
  readonly source: string
  readonly message: InvalidationMessage
  /**
   * `event`: sent when the commit arrived; `visible`: sent again once a consistent snapshot
   * showed the commit visible to every later read (closes the window in which a read could
   * still see the old row); `gap`: the full invalidation of a gap.
   */
  readonly phase: 'event' | 'visible' | 'gap'
  /** The GTID position of the last transaction it covers. */
  readonly gtid: string
}

export interface BinlogRestartEvent {
  readonly source: string
  readonly error: unknown
  /** Milliseconds until the restart. */
  readonly delayMs: number
}

export const gapChannel = channel(BINLOG_CHANNELS.gap)
export const stateChannel = channel(BINLOG_CHANNELS.state)
export const invalidateChannel = channel(BINLOG_CHANNELS.invalidate)
export const restartChannel = channel(BINLOG_CHANNELS.restart)
