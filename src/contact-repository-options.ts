import type { Kysely } from 'kysely'
import { tableOption } from './contacts/contacts-query.js'
import type { InvalidationBus } from './invalidation/invalidation-bus.js'
import {
  MAX_TIMER_DELAY,
  checkOptionKeys,
  describeValue,
  functionOption,
  hasMethods,
  integerOption,
  methodsOption,
  optionNames,
} from './validation/option-checks.js'
import type { TracerLike } from './observability/tracer.js'

/**
 * Options of `new ContactRepository(options)`. Only `db` is required. Every option is
 * validated once, in the constructor; a bad value throws a `TypeError` naming the option, and
 * so does an unknown option. Times are milliseconds. The README's option table is checked
 * against these comments (names, `@default`s and the figures quoted) by a test.
 */
export interface ContactRepositoryOptions {
  /**
   * The Kysely instance to read from (MySQL/MariaDB through mysql2 in production; any
   * dialect whose SQL accepts `cast(x as char)` works, SQLite included). The repository
   * never closes it.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database type with the table
  readonly db: Kysely<any>
  /**
   * Table to read, optionally `schema.table`, with the columns of `src/contacts/contacts.sql`.
   * Checked against `TABLE_NAME`,
   * `^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63})?$`, and quoted by kysely.
   * @default 'contacts'
   */
  readonly table?: string
  /**
   * Most entries (rows and "not found" markers) held over all tenants.
   * Cost: about 60 bytes per cached contact besides the contact itself (437 B per contact in
   * all at 1M entries, measured by the memory benchmark), and a frequency sketch of 8 to 16
   * bytes per entry of `maxEntries`, allocated at the first miss.
   * @default 100_000
   */
  readonly maxEntries?: number
  /**
   * Most estimated heap bytes over all tenants, counting each tenant's partition (150 bytes,
   * `PARTITION_OVERHEAD_BYTES`, measured) as well as its entries, so that 100,000 small
   * tenants cannot grow the heap past it. At least 64 KiB.
   * @default 64 MiB
   */
  readonly maxBytes?: number
  /**
   * Most entries one tenant may hold, so that one tenant cannot take the whole cache. Rounded up.
   * @default maxEntries / 4
   */
  readonly maxEntriesPerTenant?: number
  /**
   * Most estimated bytes one tenant may hold. Rounded down; at least 16 KiB (any row fits).
   * @default maxBytes / 4
   */
  readonly maxBytesPerTenant?: number
  /**
   * How long a row stays fresh after it was read, the bound on staleness when an
   * invalidation is missed (a write made without `invalidate`). No timer is set per entry,
   * so any finite value is safe (no 24.8-day `setTimeout` overflow).
   * @default 60_000
   */
  readonly ttl?: number
  /**
   * Each entry's TTL is shortened by a random fraction up to this, so that entries filled
   * together (a fleet after a deploy) do not expire together. From 0 to below 1.
   * @default 0.1
   */
  readonly ttlJitter?: number
  /**
   * How long "this ID does not exist for this tenant" is cached. `0` turns negative caching
   * off. Call `invalidate` after creating a contact to clear it sooner.
   * @default 10_000
   */
  readonly notFoundTtl?: number
  /**
   * Most IDs in one query; more misses are split into the fewest queries of at most this.
   * @default 1000
   */
  readonly maxBatchSize?: number
  /**
   * Deadline of one batch, from the moment it is queued until its rows are in, queueing
   * included. Every waiter then rejects with `ContactTimeoutError`; nothing is cached. At most
   * 2^31 - 1.
   * @default 5_000
   */
  readonly queryTimeout?: number
  /**
   * Most miss queries running at once. Keep it at or below the pool's connection count so
   * queries wait here (bounded) rather than in mysql2's unbounded pool queue.
   * @default 8
   */
  readonly maxConcurrentQueries?: number
  /**
   * Most miss queries of one tenant running at once. Rounded up.
   * @default maxConcurrentQueries / 2
   */
  readonly maxConcurrentQueriesPerTenant?: number
  /**
   * Most queries waiting for a slot; beyond, calls fail at once with `ContactOverloadError`.
   * Queued queries are served round-robin over tenants. At the few thousand queries per
   * second one pool of 8 serves on loopback, a full queue drains in well under a second, so
   * only a backlog the database cannot clear before `queryTimeout` is shed. Cost: a few
   * hundred bytes per queued query.
   * @default 512
   */
  readonly maxQueuedQueries?: number
  /**
   * Most queries of one tenant waiting for a slot. Rounded up.
   * @default maxQueuedQueries / 4
   */
  readonly maxQueuedQueriesPerTenant?: number
  /**
   * `retryAfterMs` of `ContactOverloadError` (the endpoint's `Retry-After`).
   * @default 1_000
   */
  readonly overloadRetryAfter?: number
  /**
   * When a query fails, serve rows that expired at most this long ago instead of failing,
   * listing them in the result's `stale`. `0` turns it off; a call can override it with its
   * own `staleIfError`.
   * @default 0
   */
  readonly staleIfError?: number
  /**
   * Longest TTL of entries filled while the invalidation bus cannot deliver (see
   * `InvalidationSubscriber.onTrustChange`): the bound on staleness during a bus outage.
   * `0` caches nothing meanwhile.
   * @default 1_000
   */
  readonly untrustedTtl?: number
  /**
   * Carries invalidations to other instances: `contact-repository/redis`, or the binlog source.
   * @default undefined (none)
   */
  readonly bus?: InvalidationBus
  /**
   * An OpenTelemetry `Tracer` (or anything with `startSpan`): each database batch runs in a
   * span `contact-repository.batch`.
   * @default undefined (none)
   */
  readonly tracer?: TracerLike
  /**
   * Monotonic clock in milliseconds, for TTLs and durations. Inject one in tests to move time
   * without sleeping.
   * @default performance.now
   */
  readonly now?: () => number
}

/** Options after defaults were applied and values checked. */
export type ResolvedOptions = Required<Omit<ContactRepositoryOptions, 'bus' | 'tracer'>> &
  Pick<ContactRepositoryOptions, 'bus' | 'tracer'>

const KNOWN_OPTIONS = optionNames<ContactRepositoryOptions>({
  db: true, table: true, maxEntries: true, maxBytes: true, maxEntriesPerTenant: true, maxBytesPerTenant: true,
  ttl: true, ttlJitter: true, notFoundTtl: true, maxBatchSize: true, queryTimeout: true, maxConcurrentQueries: true,
  maxConcurrentQueriesPerTenant: true, maxQueuedQueries: true, maxQueuedQueriesPerTenant: true,
  overloadRetryAfter: true, staleIfError: true, untrustedTtl: true, bus: true, tracer: true, now: true,
})

/** Applies defaults and validates, throwing a `TypeError` that names the first bad option. */
export function resolveOptions(options: ContactRepositoryOptions): ResolvedOptions {
  checkOptionKeys(options, KNOWN_OPTIONS, 'ContactRepository', 'an object with at least `db`')
  const { db } = options
  if (!hasMethods(db, ['selectFrom'])) throw new TypeError('options.db must be a Kysely instance')
  const table = tableOption(options)
  const maxEntries = integerOption(options, 'maxEntries', 100_000, 1)
  const maxBytes = integerOption(options, 'maxBytes', 64 * 1024 * 1024, 64 * 1024)
  const maxConcurrentQueries = integerOption(options, 'maxConcurrentQueries', 8, 1)
  const maxQueuedQueries = integerOption(options, 'maxQueuedQueries', 512, 0)
  const ttl = integerOption(options, 'ttl', 60_000, 1)
  const now = functionOption(options, 'now') ?? performance.now.bind(performance)
  const bus = methodsOption(options, 'bus', ['publish', 'subscribe'])
  const tracer = methodsOption(options, 'tracer', ['startSpan'])
  return {
    db,
    table,
    maxEntries,
    maxBytes,
    maxEntriesPerTenant: integerOption(options, 'maxEntriesPerTenant', Math.ceil(maxEntries / 4), 1, maxEntries),
    maxBytesPerTenant: integerOption(options, 'maxBytesPerTenant', Math.floor(maxBytes / 4), 16 * 1024, maxBytes),
    ttl,
    ttlJitter: fraction(options, 'ttlJitter', 0.1),
    notFoundTtl: integerOption(options, 'notFoundTtl', 10_000, 0),
    maxBatchSize: integerOption(options, 'maxBatchSize', 1000, 1, 65_535),
    queryTimeout: integerOption(options, 'queryTimeout', 5_000, 1, MAX_TIMER_DELAY),
    maxConcurrentQueries,
    maxConcurrentQueriesPerTenant: integerOption(
      options, 'maxConcurrentQueriesPerTenant', Math.ceil(maxConcurrentQueries / 2), 1, maxConcurrentQueries,
    ),
    maxQueuedQueries,
    maxQueuedQueriesPerTenant: integerOption(
      options, 'maxQueuedQueriesPerTenant', Math.ceil(maxQueuedQueries / 4), 0, maxQueuedQueries,
    ),
    overloadRetryAfter: integerOption(options, 'overloadRetryAfter', 1_000, 0),
    staleIfError: integerOption(options, 'staleIfError', 0, 0),
    untrustedTtl: integerOption(options, 'untrustedTtl', 1_000, 0),
    now,
    ...(bus === undefined ? {} : { bus }),
    ...(tracer === undefined ? {} : { tracer }),
  }
}

function fraction(options: ContactRepositoryOptions, name: 'ttlJitter', fallback: number): number {
  const value: unknown = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new TypeError(`options.${name} must be a number from 0 to below 1; got ${describeValue(value)}`)
  }
  return value
}
