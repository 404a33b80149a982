// What the parent (a test or the benchmark) and its binlog fleet workers say over IPC.
import type { ConnectionOptions } from 'mysql2'
import type { InvalidationMessage } from '../../src/index.js'
import type { BinlogInvalidationSourceStats } from '../../src/binlog/index.js'
import type { RedisInvalidationBusStats } from '../../src/redis/index.js'

/** One worker: a repository on the private MariaDB with a Redis bus that depends on the tailer. */
export interface WorkerConfig {
  readonly name: string
  readonly mysqlUrl: string
  readonly redisUrl: string
  readonly channel: string
  readonly tenantId: number
  readonly heartbeatInterval: number
  readonly heartbeatTimeout: number
  readonly sourceTimeout: number
  readonly untrustedTtl: number
  readonly ttl: number
  /** Present for a tailer: it also runs a binlog source whose target is its repository. */
  readonly tailer?: TailerConfig
}

export interface TailerConfig {
  readonly connection: ConnectionOptions
  readonly serverId: number
  readonly leaseKey: string
  readonly leaseTtl: number
  readonly checkpointKey: string
  readonly heartbeatInterval: number
  readonly stallTimeout: number
  readonly maxLag: number
  readonly statusInterval: number
  readonly connectTimeout: number
  readonly restartDelay: number
  readonly checkpointInterval: number
}

// A reader logs what the Redis tests' staleness checker reads: the same types.
import type { ReaderLog } from '../../test/redis/helpers/fleet-protocol.js'
export type { ReadRun, ReaderEvent, ReaderLog } from '../../test/redis/helpers/fleet-protocol.js'

/** An invalidation the tailer sent: its phase, the GTID it covers, and its bus's sequence before it. */
export interface TailerSend {
  readonly phase: 'event' | 'visible' | 'gap'
  readonly gtid: string
  /** The bus's sequence number before this invalidation was published: its own is higher. */
  readonly seqBefore: number
  readonly at: number
  readonly message: InvalidationMessage
}

/** What one tailer process (one bus) sent, as streamed to the parent. */
export interface TailerLog {
  readonly busId: string
  /** Invalidations its bus published (Redis acknowledged). */
  readonly published: { readonly seq: number; readonly message: InvalidationMessage }[]
  readonly sends: TailerSend[]
}

export interface WorkerStatus {
  readonly name: string
  readonly trusted: boolean
  readonly bus: RedisInvalidationBusStats
  readonly source: BinlogInvalidationSourceStats | undefined
  /** Highest sequence number applied, per sending bus. */
  readonly lastSeqFrom: Readonly<Record<string, number>>
}

export type Command =
  | { readonly cmd: 'configure'; readonly config: WorkerConfig }
  | { readonly cmd: 'startReading'; readonly ids: readonly number[]; readonly pauseMs: number }
  | { readonly cmd: 'stopReading' }
  | { readonly cmd: 'status' }
  | { readonly cmd: 'finalRead'; readonly ids: readonly number[] }
  | { readonly cmd: 'teardown' }

export interface CommandResults {
  configure: { readonly busId: string }
  startReading: null
  stopReading: ReaderLog
  status: WorkerStatus
  finalRead: Readonly<Record<number, number>>
  teardown: null
}

export interface Request {
  readonly id: number
  readonly command: Command
}

export type Reply =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly type: 'ready' }
  /** A tailer streams what it sends as it goes, so that the log survives a SIGKILL. */
  | { readonly type: 'send'; readonly busId: string; readonly send: TailerSend }
  | { readonly type: 'published'; readonly busId: string; readonly seq: number; readonly message: InvalidationMessage }

/** `first_name` holds `v<version>`. */
export function versionOf(firstName: string | null): number {
  const version = Number(firstName?.slice(1))
  if (firstName?.startsWith('v') !== true || !Number.isSafeInteger(version)) throw new Error(`unexpected first_name ${String(firstName)}`)
  return version
}

/** Milliseconds on a clock every process of this machine shares. */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now()
}
