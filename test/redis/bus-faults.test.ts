// The Redis bus against a private redis-server that the tests kill, freeze and restart.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository, type InvalidationMessage } from '../../src/index.js'
import {
  REDIS_BUS_CHANNELS,
  createRedisInvalidationBus,
  type BusReceiveEvent,
  type BusTrustEvent,
  type RedisInvalidationBus,
  type RedisInvalidationBusOptions,
} from '../../src/redis/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { eventually, sharedNow } from './helpers/clock.js'
import { startPrivateRedis, type PrivateRedis } from './helpers/private-redis.js'
import { recordChannel } from './helpers/record-channel.js'
import { connectPair, type ConnectionPair } from './helpers/redis-connections.js'

const TENANT = 5
let redis: PrivateRedis
let backend: TestBackend
const cleanups: (() => Promise<void>)[] = []
let channelCounter = 0

beforeAll(async () => {
  redis = await startPrivateRedis()
  backend = await openBackend('mariadb', 'redis_bus_faults')
  await backend.insert([1, 2, 3].map((id) => seed(TENANT, id)))
})

afterAll(async () => {
  await backend.close()
  await redis.close()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  if (redis.pid === undefined) await redis.start()
})

interface Instance {
  readonly bus: RedisInvalidationBus
  readonly pair: ConnectionPair
  readonly repository: ContactRepository
}

function open(channel: string, options: Partial<RedisInvalidationBusOptions> = {}, pair = connectPair(redis.url, `faults-${channel}`)): Instance {
  const bus = createRedisInvalidationBus({
    publisher: pair.publisher,
    subscriber: pair.subscriber,
    channel,
    heartbeatInterval: 50,
    heartbeatTimeout: 400,
    publishTimeout: 300,
    ...options,
  })
  const repository = new ContactRepository({ db: backend.db, table: backend.table, bus })
  cleanups.push(async () => {
    await repository.close()
    await bus.close()
    await pair.quit()
  })
  return { bus, pair, repository }
}

function record<T>(name: string, events: T[] = []): { events: T[] } {
  const recorder = recordChannel(name, events)
  cleanups.push(() => {
    recorder.stop()
    return Promise.resolve()
  })
  return recorder
}

function covers(messages: readonly InvalidationMessage[], tenantId: number, id: number): boolean {
  return messages.some(
    (m) => m.kind === 'all' || (m.kind === 'tenant' && m.tenantId === tenantId) || (m.kind === 'ids' && m.tenantId === tenantId && m.ids.includes(id)),
  )
}

describe('G-BUS-TRUST: Redis invalidation bus under faults (private redis-server)', () => {
  it('Redis killed: a burst of 10,000 invalidations waits in a bounded queue, widened, and reaches the others once Redis is back', async () => {
    const channel = `faults-${++channelCounter}`
    const received = record<BusReceiveEvent>(REDIS_BUS_CHANNELS.receive)
    // The writer's publisher does not reconnect by itself, so that the test can let it back
    // only once the listener is subscribed again: pub/sub keeps nothing for absent subscribers.
    const writerPair = connectPair(redis.url, 'faults-writer', {})
    writerPair.publisher.options.retryStrategy = () => null
    const writer = open(channel, { maxQueued: 500 }, writerPair)
    const listener = open(channel)
    await eventually('both trusted', () => writer.bus.stats().trusted && listener.bus.stats().trusted)

    await redis.signal('SIGKILL')
    await eventually('writer publisher ended', () => writer.pair.publisher.status === 'end')
    await eventually('listener distrusts', () => !listener.bus.stats().trusted)
    expect(listener.bus.stats().distrustReason).toBe('subscription-closed')

    const started = sharedNow()
    await Promise.all(Array.from({ length: 10_000 }, (_, k) => writer.repository.invalidate(TENANT, [1_000 + k])))
    const burstMs = sharedNow() - started
    const afterBurst = writer.bus.stats()
    expect(afterBurst).toMatchObject({ deferred: 10_000, published: 0, dropped: 0 })
    expect(afterBurst.queued).toBeLessThanOrEqual(500)
    expect(afterBurst.collapsed).toBeGreaterThanOrEqual(1)
    expect(writer.repository.stats().invalidations).toBe(10_000) // all applied locally at once

    await redis.start()
    await eventually('listener trusted again', () => listener.bus.stats().trusted)
    await writer.pair.publisher.connect()
    await eventually('queue flushed', () => writer.bus.stats().queued === 0 && writer.bus.stats().inflight === 0)
    const fromWriter = (): InvalidationMessage[] =>
      received.events.filter((e) => e.bus === listener.bus.id && e.origin === writer.bus.id).map((e) => e.message)
    const uncovered = (): number => {
      let missing = 0
      for (let k = 0; k < 10_000; k++) if (!covers(fromWriter(), TENANT, 1_000 + k)) missing++
      return missing
    }
    await eventually('the listener received invalidations covering all 10,000 IDs', () => uncovered() === 0)
    expect(writer.bus.stats().retried).toBeGreaterThanOrEqual(1)
    console.log(`[bus-faults] burst of 10,000 invalidations while Redis was down: ${burstMs.toFixed(0)} ms, queue ${afterBurst.queued} entries after ${afterBurst.collapsed} collapse(s); delivered as ${fromWriter().length} message(s)`)
  })

  it('a frozen server (SIGSTOP) is caught by the heartbeat, not by connection events; invalidate() stays bounded; SIGCONT recovers', async () => {
    const channel = `faults-${++channelCounter}`
    const trust = record<BusTrustEvent>(REDIS_BUS_CHANNELS.trust)
    const a = open(channel)
    const b = open(channel)
    const received = record<BusReceiveEvent>(REDIS_BUS_CHANNELS.receive)
    await eventually('both trusted', () => a.bus.stats().trusted && b.bus.stats().trusted)
    await a.repository.getMany(TENANT, [1, 2])

    await redis.signal('SIGSTOP')
    const frozenAt = sharedNow()
    await a.repository.invalidate(TENANT, [2]) // settles after publishTimeout, queued
    const invalidateMs = sharedNow() - frozenAt
    expect(a.bus.stats()).toMatchObject({ publishFailures: 1, queued: 1 })
    await eventually('a distrusts', () => !a.bus.stats().trusted)
    const detectedMs = sharedNow() - frozenAt
    expect(a.bus.stats()).toMatchObject({ distrustReason: 'heartbeat-timeout', subscriptionDrops: 0 })
    expect(a.pair.subscriber.status).toBe('ready') // ioredis noticed nothing
    expect(a.repository.stats()).toMatchObject({ trusted: false, entries: 0 })

    await redis.signal('SIGCONT')
    await eventually('both trusted again', () => a.bus.stats().trusted && b.bus.stats().trusted)
    await eventually('a published its queue', () => a.bus.stats().queued === 0 && a.bus.stats().inflight === 0)
    await eventually('b received the invalidation', () =>
      received.events.some((e) => e.bus === b.bus.id && e.origin === a.bus.id && covers([e.message], TENANT, 2)),
    )
    const aTrust = trust.events.filter((e) => e.bus === a.bus.id).map((e) => [e.trusted, e.reason])
    expect(aTrust).toEqual([[true, undefined], [false, 'heartbeat-timeout'], [true, undefined]])
    console.log(`[bus-faults] SIGSTOP: invalidate() settled after ${invalidateMs.toFixed(0)} ms (publishTimeout 300), distrust after ${detectedMs.toFixed(0)} ms (heartbeatTimeout 400)`)
  })

  it('a dropped subscriber connection (CLIENT KILL TYPE pubsub) while the publisher stays up: distrust at once, trust again once resubscribed', async () => {
    const channel = `faults-${++channelCounter}`
    const trust = record<BusTrustEvent>(REDIS_BUS_CHANNELS.trust)
    const a = open(channel)
    const b = open(channel)
    await eventually('both trusted', () => a.bus.stats().trusted && b.bus.stats().trusted)
    await a.repository.getMany(TENANT, [1, 2, 3])
    const admin = new Redis(redis.url)
    cleanups.push(async () => { admin.disconnect(); await Promise.resolve() })
    const killed = await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
    expect(killed).toBeGreaterThanOrEqual(2)
    await eventually('a distrusted', () => a.bus.stats().subscriptionDrops === 1)
    await eventually('both trusted again', () => a.bus.stats().trusted && b.bus.stats().trusted)
    expect(a.repository.stats().entries).toBe(0) // flushed when the subscription dropped
    expect(trust.events.filter((e) => e.bus === a.bus.id).map((e) => [e.trusted, e.reason])).toEqual([
      [true, undefined], [false, 'subscription-closed'], [true, undefined],
    ])
    expect(a.bus.stats()).toMatchObject({ publishFailures: 0, heartbeatTimeouts: 0 })
    // And it hears the channel again.
    await b.repository.invalidate(TENANT, [3])
    await eventually('a received', () => a.bus.stats().received === 1)
  })
})
