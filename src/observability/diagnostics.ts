import { channel } from 'node:diagnostics_channel'
import type { ContactRepositoryError } from '../errors.js'
import type { InvalidationMessage } from '../invalidation/invalidation-bus.js'

/**
 * `node:diagnostics_channel` channels the repository publishes to. Publishing costs nothing
 * while a channel has no subscriber, so they are always on. Subscribe with
 * `diagnostics_channel.subscribe(name, listener)`; each message type is below.
 */
export const CHANNELS = {
  /** {@link GetManyEvent}: one per `getMany` call, after the cache was consulted. */
  getMany: 'contact-repository:get-many',
  /** {@link BatchStartEvent}: a batch query is about to be sent. */
  batchStart: 'contact-repository:batch-start',
  /** {@link BatchEndEvent}: a batch settled (with `error` when it failed). */
  batchEnd: 'contact-repository:batch-end',
  /** {@link EvictionEvent}: entries left the cache to keep it within its bounds. */
  evict: 'contact-repository:evict',
  /** {@link InvalidationEvent}: an invalidation was applied, local or from the bus. */
  invalidate: 'contact-repository:invalidate',
  /** {@link TrustEvent}: the invalidation bus lost or regained the ability to deliver. */
  trust: 'contact-repository:trust',
} as const

export interface GetManyEvent {
  readonly tenantId: number
  readonly requested: number
  readonly hits: number
  readonly misses: number
  readonly mode: 'normal' | 'no-fill' | 'bypass'
}

export interface BatchStartEvent {
  readonly tenantId: number
  readonly size: number
}

export interface BatchEndEvent {
  readonly tenantId: number
  readonly size: number
  readonly rows: number
  readonly durationMs: number
  readonly error: ContactRepositoryError | undefined
}

export interface EvictionEvent {
  /** `tenant-cap`: the tenant reached its own bound; `global-cap`: the whole cache did. */
  readonly reason: 'tenant-cap' | 'global-cap'
  readonly count: number
}

export interface InvalidationEvent {
  readonly message: InvalidationMessage
  readonly source: 'local' | 'bus'
}

export interface TrustEvent {
  readonly trusted: boolean
}

export const getManyChannel = channel(CHANNELS.getMany)
export const batchStartChannel = channel(CHANNELS.batchStart)
export const batchEndChannel = channel(CHANNELS.batchEnd)
export const evictChannel = channel(CHANNELS.evict)
export const invalidateChannel = channel(CHANNELS.invalidate)
export const trustChannel = channel(CHANNELS.trust)
