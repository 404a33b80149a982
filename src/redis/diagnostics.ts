import { channel } from 'node:diagnostics_channel'
import type { InvalidationMessage } from '../invalidation/invalidation-bus.js'
import type { DistrustReason } from './trust-monitor.js'

/**
 * `node:diagnostics_channel` channels the Redis bus publishes to (free while nobody listens).
 * Every event names the bus (`bus`: its `id`) since a process may run several.
 */
export const REDIS_BUS_CHANNELS = {
  /** {@link BusPublishEvent}: Redis acknowledged an invalidation this bus published. */
  publish: 'contact-repository:redis-bus:publish',
  /** {@link BusReceiveEvent}: an invalidation from another bus arrived and was delivered. */
  receive: 'contact-repository:redis-bus:receive',
  /** {@link BusTrustEvent}: the bus started or stopped promising delivery. */
  trust: 'contact-repository:redis-bus:trust',
  /** {@link BusPublishFailureEvent}: a PUBLISH failed or timed out; the message waits for retry. */
  publishFailure: 'contact-repository:redis-bus:publish-failure',
} as const

export interface BusPublishEvent {
  readonly bus: string
  /** The message's sequence number (as the receivers see it). */
  readonly seq: number
  readonly message: InvalidationMessage
  /** Whether it had waited in the retry queue. */
  readonly retried: boolean
  /** Whether the reply came after `publishTimeout`, when a copy was already queued again. */
  readonly late: boolean
}

export interface BusReceiveEvent {
  readonly bus: string
  /** The sending bus, or `undefined` when the message was unreadable (applied as `all`). */
  readonly origin: string | undefined
  /** The sender's sequence number (0 when unreadable). */
  readonly seq: number
  readonly message: InvalidationMessage
}

export interface BusTrustEvent {
  readonly bus: string
  readonly trusted: boolean
  /** Why not, when `trusted` is false. */
  readonly reason: DistrustReason | undefined
}

export interface BusPublishFailureEvent {
  readonly bus: string
  readonly message: InvalidationMessage
  /** The client's error, or `undefined` when `publishTimeout` passed without a reply. */
  readonly error: unknown
}

export const publishChannel = channel(REDIS_BUS_CHANNELS.publish)
export const receiveChannel = channel(REDIS_BUS_CHANNELS.receive)
export const busTrustChannel = channel(REDIS_BUS_CHANNELS.trust)
export const publishFailureChannel = channel(REDIS_BUS_CHANNELS.publishFailure)
