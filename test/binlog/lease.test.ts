// The Redis lease and checkpoint store that keep one tailer per fleet, on the real Redis.
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redisCheckpointStore } from '../../src/binlog/index.js'
import { RedisLease } from '../../src/binlog/redis-lease.js'
import { REDIS_URL } from '../helpers/env.js'
import { delay } from '../redis/helpers/clock.js'

const redis = new Redis(REDIS_URL)
const keys: string[] = []
let counter = 0

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
})

function key(): string {
  const name = `binlog-lease-test:${process.pid}:${++counter}`
  keys.push(name, `${name}:token`)
  return name
}

describe('G-BINLOG-LEASE: the lease', () => {
  it('is held by one at a time; each acquisition gets a higher fencing token', async () => {
    const name = key()
    const a = new RedisLease(redis, name, 200, 'a', 1_000)
    const b = new RedisLease(redis, name, 200, 'b', 1_000)
    expect(await a.acquire()).toBe(true)
    expect(await b.acquire()).toBe(false)
    expect(await a.renew()).toBe(true)
    expect(a.held).toBe(true)
    await delay(250) // a stops renewing: the key expires
    expect(a.held).toBe(false)
    expect(await b.acquire()).toBe(true)
    expect(b.token).toBe(a.token + 1)
    expect(await a.renew()).toBe(false) // deposed
    await b.release()
    expect(await a.acquire()).toBe(true) // at once, no ttl to wait
    expect(a.token).toBe(b.token + 1)
  })
})

describe('G-BINLOG-LEASE, G-BINLOG-GAP: the Redis checkpoint store', () => {
  it('round-trips and refuses a lower fencing token', async () => {
    const name = key()
    const store = redisCheckpointStore({ redis, key: name })
    expect(await store.load()).toBeUndefined()
    const first = { gtid: '0-1-10', file: 'binlog.000001', position: 500, serverId: 1 }
    expect(await store.save(first, 3)).toBe(true)
    expect(await store.load()).toEqual(first)
    expect(await store.save({ ...first, gtid: '0-1-11' }, 2)).toBe(false)
    expect(await store.load()).toEqual(first)
    expect(await store.save({ ...first, gtid: '0-1-12' }, 3)).toBe(true)
    expect((await store.load())?.gtid).toBe('0-1-12')
  })
})
