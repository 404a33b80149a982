// What the test process and its instance workers (child processes) say to each other over IPC.
import type { InvalidationMessage } from '../../../src/index.js'
import type { RedisInvalidationBusStats } from '../../../src/redis/index.js'

/** One instance: a repository on MariaDB with a Redis bus, as a deployment would run it. */
export interface InstanceConfig {
  readonly name: string
  readonly redisUrl: string
  readonly channel: string
  readonly table: string
  readonly tenantId: number
  readonly heartbeatInterval: number
  readonly heartbeatTimeout: number
  readonly publishTimeout: number
  readonly maxQueued: number
  readonly untrustedTtl: number
  readonly ttl: number
}

/** A write the writer committed and then invalidated; times on the shared clock. */
export interface WriteRecord {
  readonly id: number
  readonly version: number
  /** Before the transaction started. */
  readonly commitStart: number
  /** After the commit returned (the new row is visible to every reader from here on). */
  readonly commitEnd: number
  /** The writer's bus sequence number at `commitEnd`: messages with a larger one were encoded after the commit. */
  readonly seqAtCommit: number
  /** When `invalidate()` settled (published, or queued for retry). */
  readonly settled: number
}

/** An invalidation of the writer's that Redis acknowledged. */
export interface PublishedRecord {
  readonly seq: number
  readonly message: InvalidationMessage
}

/** Something that happened on a reader, in its own order (`pos`), with the shared-clock time. */
export type ReaderEvent =
  | {
      readonly type: 'applied'
      readonly pos: number
      readonly at: number
      /** The sending bus; `null` for an unreadable message applied as a full invalidation. */
      readonly origin: string | null
      readonly seq: number
      readonly message: InvalidationMessage
    }
  | { readonly type: 'trust'; readonly pos: number; readonly at: number; readonly trusted: boolean }

/**
 * Consecutive reads of one ID that returned the same version. The latest read of a run is the
 * one that matters to the checker: every rule it applies only gets stricter with time.
 */
export interface ReadRun {
  readonly id: number
  readonly version: number
  readonly firstPos: number
  readonly firstAt: number
  lastPos: number
  lastAt: number
  /** The latest read of the run answered wholly from the cache (no load joined or started). */
  lastHitPos: number | null
  lastHitAt: number | null
  reads: number
}

export interface ReaderLog {
  readonly name: string
  readonly busId: string
  readonly events: readonly ReaderEvent[]
  readonly runs: readonly ReadRun[]
  readonly reads: number
  readonly readErrors: number
}

export interface InstanceStatus {
  readonly name: string
  readonly trusted: boolean
  readonly bus: RedisInvalidationBusStats
  /** Highest sequence number of an invalidation applied, per sending bus. */
  readonly lastSeqFrom: Readonly<Record<string, number>>
}

export interface BurstResult {
  readonly writes: readonly WriteRecord[]
  readonly invalidations: number
  readonly durationMs: number
}

export type Command =
  | { readonly cmd: 'configure'; readonly config: InstanceConfig }
  | { readonly cmd: 'startReading'; readonly ids: readonly number[]; readonly pauseMs: number }
  | { readonly cmd: 'stopReading' }
  | { readonly cmd: 'write'; readonly ids: readonly number[]; readonly count: number; readonly pauseMs: number }
  | { readonly cmd: 'burst'; readonly firstId: number; readonly count: number; readonly sliceSize: number; readonly probeIds: readonly number[] }
  | { readonly cmd: 'barrier'; readonly id: number }
  | { readonly cmd: 'status' }
  | { readonly cmd: 'published' }
  | { readonly cmd: 'finalRead'; readonly ids: readonly number[] }
  | { readonly cmd: 'teardown' }

export interface CommandResults {
  configure: { readonly busId: string }
  startReading: null
  stopReading: ReaderLog
  write: readonly WriteRecord[]
  burst: BurstResult
  barrier: { readonly seq: number | null }
  status: InstanceStatus
  published: readonly PublishedRecord[]
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
  | { readonly type: 'progress'; readonly done: number }

/** `first_name` holds `v<version>`. */
export function versionOf(firstName: string | null): number {
  const version = Number(firstName?.slice(1))
  if (firstName?.startsWith('v') !== true || !Number.isSafeInteger(version)) {
    throw new Error(`unexpected first_name ${String(firstName)}`)
  }
  return version
}
