// The binlog checkpoint kept in Redis (redisCheckpointStore), against the real server: saved and
// loaded as written, fenced by the lease's token (a lower token never moves it, an equal or
// higher one does), and anything else under the key read as no checkpoint.
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisCheckpointStore } from '../../src/binlog/index.js'
import { REDIS_URL } from '../helpers/env.js'

let redis: Redis
const keys: string[] = []
const freshKey = (): string => {
  const key = `test:checkpoint:${randomUUID()}`
  keys.push(key)
  return key
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
})

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
})

describe('G-BINLOG-GAP: redisCheckpointStore', () => {
  const checkpoint = { gtid: '0-1-12,1-2-30', file: 'mysql-bin.000003', position: 1_234, serverId: 7 }

  it('loads nothing from an empty key, then what was saved', async () => {
    const store = redisCheckpointStore({ redis, key: freshKey() })
    expect(await store.load()).toBeUndefined()
    expect(await store.save(checkpoint, 1)).toBe(true)
    expect(await store.load()).toEqual(checkpoint)
  })

  it('refuses a save with a lower fencing token, and takes an equal or higher one', async () => {
    const key = freshKey()
    const store = redisCheckpointStore({ redis, key })
    expect(await store.save(checkpoint, 5)).toBe(true)
    expect(await store.save({ ...checkpoint, gtid: '0-1-13' }, 4)).toBe(false)
    expect(await store.load()).toEqual(checkpoint)
    expect(await store.save({ ...checkpoint, gtid: '0-1-14' }, 5)).toBe(true)
    expect(await store.save({ ...checkpoint, gtid: '0-1-15', file: undefined, position: undefined }, 6)).toBe(true)
    // Another store on the same key (another tailer of the fleet) sees the same checkpoint and token.
    const other = redisCheckpointStore({ redis, key })
    expect(await other.load()).toEqual({ ...checkpoint, gtid: '0-1-15', file: undefined, position: undefined })
    expect(await other.save(checkpoint, 5)).toBe(false)
    expect(await redis.hget(key, 'token')).toBe('6')
  })

  it('reads anything else under the key as no checkpoint', async () => {
    const key = freshKey()
    await redis.hset(key, 'checkpoint', '{"v":2}')
    expect(await redisCheckpointStore({ redis, key }).load()).toBeUndefined()
  })
})
