// Proves G-BUS-PROPAGATION at shutdown: `close()` of the Redis bus gives invalidations still in
// its retry queue a last chance to reach the other instances. A private redis-server makes the
// writer's PUBLISH fail (an ACL revokes it for the writer's user only) so the invalidation is
// queued; the ACL is restored and, before any heartbeat could retry it, the writer shuts down.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { createRedisInvalidationBus, type RedisInvalidationBus } from '../../src/redis/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { eventually } from './helpers/clock.js'
import { startPrivateRedis, type PrivateRedis } from './helpers/private-redis.js'
import { connectPair, type ConnectionPair } from './helpers/redis-connections.js'

const TENANT = 7
const CHANNEL = 'close-last-chance'
const WRITER_USER = 'writer'
const WRITER_PASSWORD = 'writer-secret'

let redis: PrivateRedis
let admin: Redis
let backend: TestBackend
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  redis = await startPrivateRedis()
  admin = new Redis(redis.url)
  await admin.call('ACL', 'SETUSER', WRITER_USER, 'on', `>${WRITER_PASSWORD}`, '~*', '&*', '+@all')
  backend = await openBackend('mariadb', 'redis_close')
  await backend.insert([seed(TENANT, 1, { first_name: 'old' })])
})

afterAll(async () => {
  await backend.close()
  admin.disconnect()
  await redis.close()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Instance {
  readonly bus: RedisInvalidationBus
  readonly pair: ConnectionPair
  readonly repository: ContactRepository
}

function open(pair: ConnectionPair, heartbeatInterval: number): Instance {
  const bus = createRedisInvalidationBus({ publisher: pair.publisher, subscriber: pair.subscriber, channel: CHANNEL, heartbeatInterval })
  const repository = new ContactRepository({ db: backend.db, table: backend.table, bus, ttl: 60_000 })
  cleanups.push(async () => {
    await repository.close()
    await bus.close()
    await pair.quit()
  })
  return { bus, pair, repository }
}

describe('Redis bus close()', () => {
  it('G-BUS-PROPAGATION: close() publishes the invalidations still queued for retry before it closes', async () => {
    const listener = open(connectPair(redis.url, 'close-listener'), 50)
    // The writer's heartbeat (which also retries its queue) is far beyond this test: only
    // close() can publish what is queued.
    const writer = open(connectPair(redis.url, 'close-writer', { username: WRITER_USER, password: WRITER_PASSWORD }), 60_000)
    await eventually('listener trusted', () => listener.bus.stats().trusted)
    await eventually('writer publisher ready', () => writer.pair.publisher.status === 'ready')
    const firstName = async (): Promise<string | null | undefined> =>
      (await listener.repository.getMany(TENANT, [1])).rows[0]?.firstName
    expect(await firstName()).toBe('old') // cached by the listener

    await admin.call('ACL', 'SETUSER', WRITER_USER, '-publish')
    await backend.update(1, { first_name: 'new' })
    await writer.repository.invalidate(TENANT, [1])
    expect(writer.bus.stats()).toMatchObject({ publishFailures: 1, queued: 1, published: 0 })
    expect(listener.bus.stats().received).toBe(0)
    expect(await firstName(), 'the listener missed the invalidation so far').toBe('old')

    await admin.call('ACL', 'SETUSER', WRITER_USER, '+publish')
    expect(writer.bus.stats().queued, 'still queued: nothing retried it before close()').toBe(1)
    await writer.repository.close()
    await writer.bus.close()
    expect(writer.bus.stats()).toMatchObject({ queued: 0, dropped: 0, published: 1, retried: 1 })

    await eventually('the listener received the invalidation', () => listener.bus.stats().received === 1)
    expect(listener.bus.stats().trusted).toBe(true)
    expect(await firstName(), 'the listener reads the row again').toBe('new')
  })
})
