import type { Redis } from 'ioredis'
import type { ConnectionOptions } from 'mysql2'
import type { SourceStatusAnnouncer } from '../invalidation/invalidation-bus.js'
import {
  MAX_TIMER_DELAY,
  checkOptionKeys,
  describeValue,
  hasMethods,
  integerOption,
  methodsOption,
  optionNames,
} from '../validation/option-checks.js'
import { memoryCheckpointStore, type CheckpointStore } from './checkpoint-store.js'

/**
 * What the source invalidates: a `ContactRepository` (usually one whose `bus` reaches the
 * fleet), or anything with the same three methods. Each must resolve once the invalidation is
 * applied here and published or queued for the others, as the repository's do.
 */
export interface InvalidationTarget {
  invalidate(tenantId: number, ids: readonly number[]): Promise<void>
  invalidateTenant(tenantId: number): Promise<void>
  invalidateAll(): Promise<void>
}

/** One active tailer per fleet: see {@link BinlogInvalidationSourceOptions.lease}. */
export interface BinlogLeaseOptions {
  /** An ordinary ioredis connection (not a subscriber). Stays yours to close. */
  readonly redis: Redis
  /** The lease's key, shared by the fleet's tailers, e.g. `contacts:binlog:lease`; `<key>:token` counts the fencing tokens. */
  readonly key: string
  /**
   * How long the lease lasts without renewal; the holder renews every `ttl / 3`. A standby
   * takes over at most `ttl + ttl / 3` after the holder died (then catches up from the
   * checkpoint), and a holder that cannot renew stops streaming after `ttl`. Cost: one small
   * Redis script per `ttl / 3` per tailer.
   * @default 5_000
   */
  readonly ttl?: number
}

/**
 * Options of `createBinlogInvalidationSource`. `connection` and `serverId` are required.
 * Validated once, when the source is created; a bad value throws a `TypeError` naming the
 * option. Times are milliseconds.
 */
export interface BinlogInvalidationSourceOptions {
  /**
   * The MariaDB server to tail (the primary the application writes to), as a mysql2 URL or
   * connection options. Its user needs REPLICATION SLAVE, BINLOG MONITOR and SELECT on the
   * table. The source opens three connections: the binlog dump, zongji's control connection
   * and its own (checks, probes).
   */
  readonly connection: string | ConnectionOptions
  /**
   * The replica ID the dump presents, unique among the servers and replicas of the topology
   * (the server drops an older dump of the same ID). Tailers of one fleet may share it: the
   * lease lets one stream at a time. An integer from 1 to 2^32-1.
   */
  readonly serverId: number
  /**
   * The table, `'contacts'` or `'schema.contacts'`; the schema defaults to the connection's database.
   * @default 'contacts'
   */
  readonly table?: string
  /**
   * What to invalidate. Without it the source is itself the bus of the repositories
   * subscribed to it (`new ContactRepository({ db, bus: source })`, one process without Redis).
   * @default undefined (none)
   */
  readonly target?: InvalidationTarget
  /**
   * Where the source announces its health every `statusInterval`: the Redis bus of `target`
   * (or any bus of the same channel). Buses created with `sourceTimeout` then stop trusting,
   * in every instance, while the stream is down, stalled, behind or silent. Without it, only
   * the source's own subscribers learn its health.
   * @default undefined (none)
   */
  readonly announce?: SourceStatusAnnouncer
  /**
   * Where the position is kept between runs. In memory by default: a new process starts with
   * a gap (one full invalidation). `redisCheckpointStore({ redis, key })` shares it with a fleet.
   * @default memoryCheckpointStore()
   */
  readonly checkpoint?: CheckpointStore
  /**
   * A Redis lease so that one tailer of the fleet streams and the others stand by. Without
   * it the source is always active.
   * @default undefined (none)
   */
  readonly lease?: BinlogLeaseOptions
  /**
   * The server sends a heartbeat after this long without events, so that silence means a
   * stall. Cost: a 50-byte event per interval while idle.
   * @default 500
   */
  readonly heartbeatInterval?: number
  /**
   * Silence (no event, no heartbeat) after which the stream counts as stalled: it is reported
   * unhealthy and restarted from the checkpoint. The bound on staleness when the server or
   * the network freezes. Must exceed `heartbeatInterval`.
   * @default 2_000
   */
  readonly stallTimeout?: number
  /**
   * How far behind the server the stream may fall before it is reported unhealthy: a probe
   * reads the server's position, and the stream must reach it within this. Also bounds how
   * long a commit may take to become visible after its event. Must exceed `heartbeatInterval`
   * (an idle stream learns the server's offset from heartbeats).
   * @default 1_000
   */
  readonly maxLag?: number
  /**
   * How often the probe runs while no commit waits for confirmation. Cost: one
   * consistent-snapshot transaction (three statements) on the server per interval.
   * @default 250
   */
  readonly lagProbeInterval?: number
  /**
   * How often health is announced (see `announce`). Keep the buses' `sourceTimeout` a few times larger.
   * @default 500
   */
  readonly statusInterval?: number
  /**
   * Most time between two checkpoint saves (only positions whose invalidations were delivered
   * are saved). Cost: one write to the store per interval while changes flow; a restart
   * replays at most this much (invalidations are idempotent).
   * @default 1_000
   */
  readonly checkpointInterval?: number
  /**
   * A transaction that changes more of one tenant's contacts invalidates the whole tenant.
   * Cost: a message of about 10 KB on the bus at the default.
   * @default 1_000
   */
  readonly maxIdsPerTenant?: number
  /**
   * A transaction that changes more tenants invalidates everything.
   * @default 100
   */
  readonly maxTenantsPerTransaction?: number
  /**
   * How long connecting, a check, or the dump's first event may take.
   * @default 5_000
   */
  readonly connectTimeout?: number
  /**
   * Pause before restarting a stream that ended, doubled after each failure up to 20 times
   * this (5 s at the default), reset once streaming.
   * @default 250
   */
  readonly restartDelay?: number
}

/** Options after defaults were applied and values checked. */
export interface ResolvedSourceOptions {
  readonly connection: ConnectionOptions
  readonly serverId: number
  readonly schema: string
  readonly table: string
  readonly target: InvalidationTarget | undefined
  readonly announce: SourceStatusAnnouncer | undefined
  readonly checkpoint: CheckpointStore
  readonly lease: Required<BinlogLeaseOptions> | undefined
  readonly heartbeatInterval: number
  readonly stallTimeout: number
  readonly maxLag: number
  readonly lagProbeInterval: number
  readonly statusInterval: number
  readonly checkpointInterval: number
  readonly maxIdsPerTenant: number
  readonly maxTenantsPerTransaction: number
  readonly connectTimeout: number
  readonly restartDelay: number
}

const KNOWN_OPTIONS = optionNames<BinlogInvalidationSourceOptions>({
  connection: true, serverId: true, table: true, target: true, announce: true, checkpoint: true, lease: true,
  heartbeatInterval: true, stallTimeout: true, maxLag: true, lagProbeInterval: true, statusInterval: true,
  checkpointInterval: true, maxIdsPerTenant: true, maxTenantsPerTransaction: true, connectTimeout: true,
  restartDelay: true,
})
const LEASE_OPTIONS = optionNames<BinlogLeaseOptions>({ redis: true, key: true, ttl: true })
const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/

/** Applies defaults and validates, throwing a `TypeError` that names the first bad option. */
export function resolveSourceOptions(options: BinlogInvalidationSourceOptions): ResolvedSourceOptions {
  checkOptionKeys(options, KNOWN_OPTIONS, 'createBinlogInvalidationSource', 'an object with `connection` and `serverId`')
  const connectTimeout = integerOption(options, 'connectTimeout', 5_000, 1, MAX_TIMER_DELAY)
  const { connection, database } = resolveConnection(options.connection, connectTimeout)
  const serverId = options.serverId as unknown
  if (!Number.isSafeInteger(serverId) || (serverId as number) < 1 || (serverId as number) > 2 ** 32 - 1) {
    throw new TypeError(`options.serverId must be an integer from 1 to ${2 ** 32 - 1}; got ${describeValue(serverId)}`)
  }
  const { schema, table } = resolveTable(options.table, database)
  const heartbeatInterval = integerOption(options, 'heartbeatInterval', 500, 1, 4_294_967)
  const stallTimeout = integerOption(options, 'stallTimeout', 2_000, 2, MAX_TIMER_DELAY)
  if (stallTimeout <= heartbeatInterval) {
    throw new TypeError(`options.stallTimeout must exceed options.heartbeatInterval (${heartbeatInterval}); got ${stallTimeout}`)
  }
  const maxLag = integerOption(options, 'maxLag', 1_000, 1, MAX_TIMER_DELAY)
  if (maxLag <= heartbeatInterval) {
    throw new TypeError(`options.maxLag must exceed options.heartbeatInterval (${heartbeatInterval}); got ${maxLag}`)
  }
  return {
    connection,
    serverId: serverId as number,
    schema,
    table,
    target: methodsOption(options, 'target', ['invalidate', 'invalidateTenant', 'invalidateAll']),
    announce: methodsOption(options, 'announce', ['announceSourceStatus'], 'a Redis invalidation bus'),
    checkpoint: methodsOption(options, 'checkpoint', ['load', 'save']) ?? memoryCheckpointStore(),
    lease: resolveLease(options.lease),
    heartbeatInterval,
    stallTimeout,
    maxLag,
    lagProbeInterval: integerOption(options, 'lagProbeInterval', 250, 1, MAX_TIMER_DELAY),
    statusInterval: integerOption(options, 'statusInterval', 500, 1, MAX_TIMER_DELAY),
    checkpointInterval: integerOption(options, 'checkpointInterval', 1_000, 1, MAX_TIMER_DELAY),
    maxIdsPerTenant: integerOption(options, 'maxIdsPerTenant', 1_000, 1, 1_000_000),
    maxTenantsPerTransaction: integerOption(options, 'maxTenantsPerTransaction', 100, 1, 1_000_000),
    connectTimeout,
    restartDelay: integerOption(options, 'restartDelay', 250, 1, Math.floor(MAX_TIMER_DELAY / 20)),
  }
}

function resolveConnection(value: unknown, connectTimeout: number): { connection: ConnectionOptions; database: string | undefined } {
  if (typeof value === 'string') {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw new TypeError('options.connection must be a mysql:// URL or mysql2 connection options')
    }
    if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
      throw new TypeError('options.connection must be a mysql:// URL or mysql2 connection options')
    }
    // '' when the URL names no database: resolveTable then asks for 'schema.table'.
    return { connection: { uri: value, connectTimeout }, database: decodeURIComponent(url.pathname.slice(1)) }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('options.connection must be a mysql:// URL or mysql2 connection options')
  }
  const options = value as ConnectionOptions
  return { connection: { connectTimeout, ...options }, database: typeof options.database === 'string' ? options.database : undefined }
}

function resolveTable(value: unknown, database: string | undefined): { schema: string; table: string } {
  const text = value ?? 'contacts'
  if (typeof text !== 'string') throw new TypeError(`options.table must be a string; got ${describeValue(text)}`)
  const parts = text.split('.')
  const [first, second] = parts
  const schema = parts.length === 2 ? first : database
  const table = parts.length === 2 ? second : first
  if (parts.length > 2 || table === undefined || !IDENTIFIER.test(table)) {
    throw new TypeError(`options.table must be 'table' or 'schema.table' (letters, digits, _ and $); got ${describeValue(text)}`)
  }
  if (schema === undefined || !IDENTIFIER.test(schema)) {
    throw new TypeError("options.table must name the schema ('schema.table') when options.connection names no database")
  }
  return { schema, table }
}

function resolveLease(lease: unknown): Required<BinlogLeaseOptions> | undefined {
  if (lease === undefined) return undefined
  checkOptionKeys(lease, LEASE_OPTIONS, 'the lease', 'an object with `redis` and `key`', 'options.lease')
  const options = lease as BinlogLeaseOptions
  if (!hasMethods(options.redis, ['eval'])) {
    throw new TypeError('options.lease.redis must be an ioredis connection')
  }
  if (typeof options.key !== 'string' || options.key.length === 0) throw new TypeError('options.lease.key must be a non-empty string')
  // Keyed by its path, so that a bad value is named `options.lease.ttl`.
  const ttl = integerOption({ 'lease.ttl': options.ttl }, 'lease.ttl', 5_000, 30, MAX_TIMER_DELAY)
  return { redis: options.redis, key: options.key, ttl }
}
