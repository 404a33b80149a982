import type { Redis } from 'ioredis'
import { checkOptionKeys, optionNames, requiredMethodsOption, requiredStringOption } from '../validation/option-checks.js'
import type { BinlogPosition } from './binlog-position.js'

/**
 * What a checkpoint holds: the position up to which every change of the table was delivered to
 * the target (published on the bus or queued by it), and the server it was read from.
 */
export interface BinlogCheckpoint extends BinlogPosition {
  /** The server's `@@server_id`: a checkpoint of another server is never resumed from. */
  readonly serverId: number
}

/**
 * Where the source keeps its checkpoint. `save` is called at most once per
 * `checkpointInterval`, only with positions whose invalidations were delivered, and with the
 * caller's fencing token (`0` without a lease): a store shared by a fleet should refuse a token
 * lower than the highest it saved with (resolving `false`), which tells a deposed tailer to stop.
 */
export interface CheckpointStore {
  /** The last checkpoint saved, or `undefined` (the source then starts with a gap). */
  load(): Promise<BinlogCheckpoint | undefined>
  /** Stores `checkpoint`; resolves `false` when refused for a lower fencing token. */
  save(checkpoint: BinlogCheckpoint, fencingToken: number): Promise<boolean | undefined>
}

/**
 * A checkpoint in this process's memory (the default). A restarted process starts with a gap
 * (one full invalidation), which is correct but empties every cache; keep it in Redis (or your
 * database) with {@link redisCheckpointStore} to resume instead.
 */
export function memoryCheckpointStore(initial?: BinlogCheckpoint): CheckpointStore {
  let stored = initial
  let highest = 0
  return {
    load: () => Promise.resolve(stored),
    save(checkpoint, fencingToken) {
      if (fencingToken < highest) return Promise.resolve(false)
      highest = fencingToken
      stored = checkpoint
      return Promise.resolve(true)
    },
  }
}

/** Options of {@link redisCheckpointStore}. */
export interface RedisCheckpointStoreOptions {
  /** An ordinary ioredis connection (not a subscriber). Stays yours to close. */
  readonly redis: Redis
  /** The hash that holds the checkpoint and the fencing token it was saved with, e.g. `contacts:binlog:checkpoint`. */
  readonly key: string
}

const KNOWN_OPTIONS = optionNames<RedisCheckpointStoreOptions>({ redis: true, key: true })

// Saves unless a higher token saved before: a deposed tailer cannot move the checkpoint.
const SAVE_SCRIPT = `
local saved = tonumber(redis.call('HGET', KEYS[1], 'token') or '-1')
if saved > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'checkpoint', ARGV[2])
return 1`

/**
 * A checkpoint in a Redis hash, shared by the tailers of a fleet: whichever holds the lease
 * resumes where the last one delivered. Saves are fenced by the lease's token. Use the Redis
 * that holds the lease, so that the token counter and the checkpoint are lost or kept together.
 */
export function redisCheckpointStore(options: RedisCheckpointStoreOptions): CheckpointStore {
  checkOptionKeys(options, KNOWN_OPTIONS, 'redisCheckpointStore', 'an object with `redis` and `key`')
  const redis = requiredMethodsOption(options, 'redis', ['eval', 'hget'], 'an ioredis connection')
  const key = requiredStringOption(options, 'key')
  return {
    async load() {
      return parseCheckpoint(await redis.hget(key, 'checkpoint'))
    },
    async save(checkpoint, fencingToken) {
      const saved = await redis.eval(SAVE_SCRIPT, 1, key, String(fencingToken), serializeCheckpoint(checkpoint))
      return saved === 1
    },
  }
}

/** The JSON a checkpoint is stored as (versioned, so a future format can tell an old one). */
export function serializeCheckpoint(checkpoint: BinlogCheckpoint): string {
  return JSON.stringify({ v: 1, gtid: checkpoint.gtid, file: checkpoint.file ?? null, position: checkpoint.position ?? null, serverId: checkpoint.serverId })
}

/** Reads what {@link serializeCheckpoint} wrote; anything else reads as no checkpoint (a gap). */
export function parseCheckpoint(text: string | null | undefined): BinlogCheckpoint | undefined {
  if (typeof text !== 'string') return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { v, gtid, file, position, serverId } = value as Record<string, unknown>
  if (v !== 1 || typeof gtid !== 'string' || !/^(\d+-\d+-\d+(,\d+-\d+-\d+)*)?$/.test(gtid)) return undefined
  if (!(file === null || typeof file === 'string') || !(position === null || Number.isSafeInteger(position))) return undefined
  if (!Number.isSafeInteger(serverId)) return undefined
  return { gtid, file: file ?? undefined, position: (position as number | null) ?? undefined, serverId: serverId as number }
}
