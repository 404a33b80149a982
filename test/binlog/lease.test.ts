// The Redis lease and checkpoint store that keep one tailer per fleet, on the real Redis.
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redisCheckpointStore } from '../../src/binlog/index.js'
import { RedisLease } from '../../src/binlog/redis-lease.js'
import { REDIS_URL } from '../helpers/env.js'
import { delay } from '../redis/helpers/clock.js'
import { startPrivateRedis } from '../redis/helpers/private-redis.js'

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

describe('G-BINLOG-LEASE: the lease, rule by rule', () => {
  it('stores `<token>:<owner>` for ttl beside an acquisition counter; renew() resets the ttl', async () => {
    const name = key()
    const a = new RedisLease(redis, name, 5_000, 'owner-a', 1_000)
    expect(await a.renew()).toBe(false) // nothing to renew before an acquisition
    expect(await a.acquire()).toBe(true)
    expect(await redis.get(name)).toBe(`${a.token}:owner-a`)
    expect(Number(await redis.get(`${name}:token`))).toBe(a.token)
    await redis.pexpire(name, 1_000)
    expect(await a.renew()).toBe(true)
    expect(await redis.pttl(name)).toBeGreaterThan(1_000)
    expect(await redis.pttl(name)).toBeLessThanOrEqual(5_000)
  })

  it('is held past its first ttl as long as it is renewed, by its own clock too', async () => {
    const a = new RedisLease(redis, key(), 1_000, 'a', 1_000)
    expect(await a.acquire()).toBe(true)
    for (let i = 0; i < 12; i++) {
      await delay(100)
      expect(await a.renew()).toBe(true)
    }
    expect(a.held).toBe(true) // 1.2 s after the acquisition
  })

  it('releases only its own lease, and forget() lets it expire instead', async () => {
    const name = key()
    const a = new RedisLease(redis, name, 150, 'a', 1_000)
    const b = new RedisLease(redis, name, 5_000, 'b', 1_000)
    expect(await a.acquire()).toBe(true)
    await b.release() // b holds nothing: a's lease stays
    expect(await redis.get(name)).toBe(`${a.token}:a`)
    await delay(200) // a's lease expires without a renewal
    expect(await b.acquire()).toBe(true)
    await a.release() // a's value is no longer the key's: b's lease stays
    expect(await redis.get(name)).toBe(`${b.token}:b`)
    b.forget()
    expect(b.held).toBe(false)
    expect(await b.renew()).toBe(false)
    expect(await redis.get(name)).toBe(`${b.token}:b`) // Redis was not told
  })

  it("passes Redis's own refusal on at once, rather than waiting for commandTimeout", async () => {
    const offline = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false })
    try {
      const error = await new RedisLease(offline, key(), 1_000, 'a', 60_000).acquire().then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).not.toMatch(/did not answer/)
    } finally {
      offline.disconnect()
    }
  })

  it('when Redis does not answer: acquire() fails after commandTimeout, renew() keeps the lease until its ttl by its own clock, release() forgets it', async () => {
    const frozen = await startPrivateRedis()
    const client = new Redis(frozen.url)
    client.on('error', () => undefined)
    try {
      const name = key()
      const a = new RedisLease(client, name, 600, 'a', 100)
      expect(await a.acquire()).toBe(true)
      await frozen.signal('SIGSTOP')
      expect(await a.renew(), 'unknown outcome, within ttl: still held').toBe(true)
      await expect(new RedisLease(client, name, 600, 'b', 100).acquire()).rejects.toThrow(new Error('Redis did not answer within 100 ms'))
      await expect(a.acquire(150)).rejects.toThrow(new Error('Redis did not answer within 150 ms'))
      await delay(600)
      expect(await a.renew(), 'unknown outcome, past ttl: lost').toBe(false)
      await a.release()
      expect(a.held).toBe(false)
      await frozen.signal('SIGCONT')
      expect(await a.renew(), 'released: nothing to renew').toBe(false)
    } finally {
      client.disconnect()
      await frozen.close()
    }
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
