import type { Redis } from 'ioredis'
import {
  MAX_TIMER_DELAY,
  checkOptionKeys,
  hasMethods,
  integerOption,
  optionNames,
  requiredStringOption,
} from '../validation/option-checks.js'

/**
 * Options of `createRedisInvalidationBus`. `publisher`, `subscriber` and `channel` are
 * required. Every option is validated once, when the bus is created; a bad value throws a
 * `TypeError` naming the option. Times are milliseconds.
 *
 * Ownership: the connections stay yours. The bus adds listeners, subscribes `subscriber` to
 * `channel` and publishes through `publisher`; it never connects, quits or disconnects either
 * of them. `close()` removes its listeners and unsubscribes the channel; quit the connections
 * yourself afterwards.
 */
export interface RedisInvalidationBusOptions {
  /**
   * Connection the bus PUBLISHes invalidations and heartbeat pings through. It may be the
   * application's ordinary connection. While it is not `ready` (or a publish went unanswered
   * for `publishTimeout`), invalidations wait in the bus's retry queue instead of ioredis's
   * offline queue.
   */
  readonly publisher: Redis
  /**
   * Connection dedicated to listening: the bus SUBSCRIBEs it to `channel`, so it cannot run
   * ordinary commands any more (other subscriptions may share it). Must not be `publisher`;
   * `publisher.duplicate()` makes one. Keep ioredis's `autoResubscribe` (the default); the bus
   * subscribes again on every `ready` anyway. Enable `keepAlive` so that a dead peer is
   * noticed: until then the heartbeat keeps the bus untrusted but cannot reconnect.
   */
  readonly subscriber: Redis
  /**
   * Channel shared by every instance that caches the same database, e.g.
   * `contacts:invalidations:prod`. Instances on different channels never hear each other.
   */
  readonly channel: string
  /**
   * How often the bus publishes a ping on the channel and retries queued invalidations.
   * Cost: each of N instances receives N pings per interval (about 30 bytes each), so 100
   * instances at the default cost each of them 100 tiny messages a second.
   * @default 1_000
   */
  readonly heartbeatInterval?: number
  /**
   * How long the bus may go without hearing one of its own pings before it tells its
   * repositories it can no longer promise delivery (they flush and cap new entries at their
   * `untrustedTtl` until it hears one again). The bound on staleness when a subscription dies
   * silently. Must exceed `heartbeatInterval`; much shorter values than the default flush
   * caches on ordinary event-loop pauses.
   * @default 3 * heartbeatInterval
   */
  readonly heartbeatTimeout?: number
  /**
   * How long a PUBLISH may go unanswered before its invalidation counts as failed and waits in
   * the retry queue; bounds how long `invalidate()` can take.
   * @default 2_000
   */
  readonly publishTimeout?: number
  /**
   * Bound of the retry queue, in entries (one per contact ID, one per tenant-wide
   * invalidation). Beyond it, entries widen (a tenant's IDs become a tenant-wide invalidation,
   * at worst everything becomes one full invalidation); nothing is dropped. Cost: about 1 MiB
   * of heap at most at the default.
   * @default 10_000
   */
  readonly maxQueued?: number
  /**
   * Makes the bus depend on an invalidation source that announces its health on
   * `<channel>:source` (the binlog tailer of `contact-repository/binlog`, whose `announce`
   * option is a bus of the same channel). The bus then promises delivery only while, besides
   * hearing its own pings, it heard the source announce "healthy" within this many
   * milliseconds and not "unhealthy" since: when the tailer is down, stalled, behind or
   * silent, every repository on the bus flushes and caps new entries at `untrustedTtl`, as
   * during a Redis outage. A new bus starts untrusted until the first healthy announcement.
   * The bound on staleness when the tailer dies silently. Must exceed the tailer's
   * `statusInterval` (500 ms by default) by a few intervals; `2_000` is a sound value. Without
   * it, no source is required and `<channel>:source` is not subscribed. Cost: one subscription
   * more and, per instance, one tiny message per `statusInterval`.
   * @default undefined (none)
   */
  readonly sourceTimeout?: number
}

/** Options after defaults were applied and values checked. */
export type ResolvedBusOptions = Required<Omit<RedisInvalidationBusOptions, 'sourceTimeout'>> &
  Pick<RedisInvalidationBusOptions, 'sourceTimeout'>

const KNOWN_OPTIONS = optionNames<RedisInvalidationBusOptions>({
  publisher: true, subscriber: true, channel: true, heartbeatInterval: true, heartbeatTimeout: true,
  publishTimeout: true, maxQueued: true, sourceTimeout: true,
})

/** Applies defaults and validates, throwing a `TypeError` that names the first bad option. */
export function resolveBusOptions(options: RedisInvalidationBusOptions): ResolvedBusOptions {
  checkOptionKeys(options, KNOWN_OPTIONS, 'createRedisInvalidationBus', 'an object with `publisher`, `subscriber` and `channel`')
  const { publisher, subscriber } = options
  if (!isConnection(publisher)) throw new TypeError('options.publisher must be an ioredis connection')
  if (!isConnection(subscriber)) throw new TypeError('options.subscriber must be an ioredis connection')
  if (subscriber === publisher) {
    throw new TypeError('options.subscriber must be a connection of its own (e.g. publisher.duplicate())')
  }
  const channel = requiredStringOption(options, 'channel')
  const heartbeatInterval = integerOption(options, 'heartbeatInterval', 1_000, 1, MAX_TIMER_DELAY)
  const heartbeatTimeout = integerOption(options, 'heartbeatTimeout', 3 * heartbeatInterval, 2, MAX_TIMER_DELAY)
  if (heartbeatTimeout <= heartbeatInterval) {
    throw new TypeError(
      `options.heartbeatTimeout must exceed options.heartbeatInterval (${heartbeatInterval}); got ${heartbeatTimeout}`,
    )
  }
  return {
    publisher,
    subscriber,
    channel,
    heartbeatInterval,
    heartbeatTimeout,
    publishTimeout: integerOption(options, 'publishTimeout', 2_000, 1, MAX_TIMER_DELAY),
    maxQueued: integerOption(options, 'maxQueued', 10_000, 1, Number.MAX_SAFE_INTEGER),
    ...(options.sourceTimeout === undefined
      ? {}
      : { sourceTimeout: integerOption(options, 'sourceTimeout', 0, 1, MAX_TIMER_DELAY) }),
  }
}

function isConnection(value: unknown): value is Redis {
  return hasMethods(value, ['publish', 'subscribe', 'on', 'off']) && typeof (value as { status?: unknown }).status === 'string'
}
