// The Redis bus when its publisher stops answering, against a private redis-server frozen with
// SIGSTOP (the connection stays "ready": only the missing replies tell). Proves the rules behind
// G-BUS-TRUST's bounded invalidate(): an unanswered PUBLISH or ping marks the publisher stalled,
// so later invalidations wait in the bus's bounded queue at once instead of in ioredis's
// unbounded one; the first reply ends the stall and publishes the queue without waiting for a
// heartbeat; close() waits for the PUBLISHes in flight before it counts what it drops; an
// announcement of the source's health is dropped while stalled and never vouches for
// invalidations still queued.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InvalidationMessage, InvalidationSubscriber } from '../../src/index.js'
import {
  REDIS_BUS_CHANNELS,
  createRedisInvalidationBus,
  type BusPublishEvent,
  type BusPublishFailureEvent,
  type RedisInvalidationBus,
  type RedisInvalidationBusOptions,
} from '../../src/redis/index.js'
import { delay, eventually } from './helpers/clock.js'
import { startPrivateRedis, type PrivateRedis } from './helpers/private-redis.js'
import { recordChannel } from './helpers/record-channel.js'
import { connectPair, type ConnectionPair } from './helpers/redis-connections.js'

let redis: PrivateRedis
let admin: Redis
let counter = 0
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  redis = await startPrivateRedis()
  admin = new Redis(redis.url)
  admin.on('error', () => undefined) // the tests kill the server: reconnection errors are expected
})
afterAll(async () => {
  admin.disconnect()
  await redis.close()
})
afterEach(async () => {
  // A test that failed while the server was frozen must not freeze the next one.
  if (redis.pid !== undefined) await redis.signal('SIGCONT')
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  if (redis.pid === undefined) await redis.start()
})

function open(channel: string, options: Partial<RedisInvalidationBusOptions> = {}, pair?: ConnectionPair): { bus: RedisInvalidationBus; pair: ConnectionPair } {
  const connections = pair ?? connectPair(redis.url, `stall-${channel}`)
  const bus = createRedisInvalidationBus({
    publisher: connections.publisher,
    subscriber: connections.subscriber,
    channel,
    heartbeatInterval: 50,
    heartbeatTimeout: 2_000,
    publishTimeout: 200,
    ...options,
  })
  cleanups.push(async () => {
    await bus.close()
    await connections.quit()
  })
  return { bus, pair: connections }
}

function record<T>(name: string): T[] {
  const recorder = recordChannel<T>(name)
  cleanups.push(() => {
    recorder.stop()
    return Promise.resolve()
  })
  return recorder.events
}

/** Whether `promise` has settled once the I/O and timers due now had their turn. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  void promise.then(() => { settled = true })
  await delay(20)
  return settled
}

const ids = (...list: number[]): InvalidationMessage => ({ kind: 'ids', tenantId: 3, ids: list })

describe('G-BUS-TRUST: the Redis bus when the publisher stops answering (private redis-server, SIGSTOP)', () => {
  it('an unanswered PUBLISH stalls the publisher: the next invalidation is queued at once; the first reply ends the stall and publishes the queue', async () => {
    const channel = `stall-${++counter}`
    const published = record<BusPublishEvent>(REDIS_BUS_CHANNELS.publish)
    const failures = record<BusPublishFailureEvent>(REDIS_BUS_CHANNELS.publishFailure)
    // No heartbeat within this test (the interval is a minute): only a reply can end the stall.
    const { bus: writer } = open(channel, { heartbeatInterval: 60_000, heartbeatTimeout: 120_000 })
    const { bus: listener } = open(channel)
    await eventually('both trusted', () => writer.stats().trusted && listener.stats().trusted)

    await redis.signal('SIGSTOP')
    await writer.publish(ids(1)) // unanswered for publishTimeout, then queued
    expect(writer.stats()).toMatchObject({ publishFailures: 1, deferred: 0, queued: 1, inflight: 0, published: 0 })
    expect(failures.filter((e) => e.bus === writer.id)).toEqual([{ bus: writer.id, message: ids(1), error: undefined }])

    const second = writer.publish(ids(2))
    expect(await settledSoon(second), 'queued without trying: the publisher is stalled').toBe(true)
    expect(writer.stats()).toMatchObject({ publishFailures: 1, deferred: 1, inflight: 0 })
    // A health announcement cannot go out either, and says so.
    await writer.announceSourceStatus({ token: 1, healthy: true })
    expect(writer.stats()).toMatchObject({ statusesSent: 0, statusesDropped: 1 })

    await redis.signal('SIGCONT')
    await eventually('the queue published', () => writer.stats().queued === 0 && writer.stats().inflight === 0)
    await eventually('the listener received both IDs', () => listener.stats().received >= 2)
    const mine = published.filter((e) => e.bus === writer.id).map(({ message, retried, late }) => ({ message, retried, late }))
    // The frozen PUBLISH's reply came late (its copy had been queued); then the queue went out.
    expect(mine[0]).toEqual({ message: ids(1), retried: false, late: true })
    expect(mine.slice(1).every((e) => e.retried && !e.late)).toBe(true)
    expect(writer.stats().retried).toBe(writer.stats().published)
    expect(writer.stats().retried).toBeGreaterThanOrEqual(1)
  })

  it('an unanswered ping alone stalls the publisher: an invalidation sent after it is queued at once', async () => {
    const channel = `stall-${++counter}`
    const { bus } = open(channel, { heartbeatInterval: 50, heartbeatTimeout: 1_000, publishTimeout: 100 })
    await eventually('trusted', () => bus.stats().trusted)

    await redis.signal('SIGSTOP')
    const pings = bus.stats().pingsSent
    // A ping sent after the freeze, and its publishTimeout passed.
    await eventually('a ping sent while frozen', () => bus.stats().pingsSent > pings + 1)
    await delay(250)
    const queued = bus.publish(ids(4))
    expect(await settledSoon(queued)).toBe(true)
    expect(bus.stats()).toMatchObject({ publishFailures: 0, deferred: 1, queued: 1 })

    await redis.signal('SIGCONT')
    await eventually('the queue published', () => bus.stats().queued === 0 && bus.stats().published === 1)
    expect(bus.stats().retried).toBe(1)
  })

  it('a reconnection ends a stall too: the server died while frozen, its replies never come', async () => {
    const channel = `stall-${++counter}`
    // No heartbeat within this test, and the frozen PUBLISH is not resent after the
    // reconnection: only the publisher's 'ready' can end the stall.
    const pair = connectPair(redis.url, `stall-reconnect-${channel}`, { autoResendUnfulfilledCommands: false })
    const { bus } = open(channel, { heartbeatInterval: 60_000, heartbeatTimeout: 120_000 }, pair)
    await eventually('trusted', () => bus.stats().trusted)
    await redis.signal('SIGSTOP')
    await bus.publish(ids(9))
    expect(bus.stats()).toMatchObject({ publishFailures: 1, queued: 1 })
    await redis.signal('SIGKILL')
    await redis.start()
    await eventually('the queue published after the reconnection', () => bus.stats().queued === 0 && bus.stats().published === 1)
    expect(bus.stats()).toMatchObject({ retried: 1, deferred: 0 })
  })

  it('a publisher that reconnects alone publishes what waited for it at once, without a heartbeat', async () => {
    const channel = `stall-${++counter}`
    const pair = connectPair(redis.url, `stall-alone-${channel}`, { retryStrategy: () => 300 })
    const { bus } = open(channel, { heartbeatInterval: 60_000, heartbeatTimeout: 120_000 }, pair)
    await eventually('trusted', () => bus.stats().trusted)
    const id = await pair.publisher.client('ID')
    await admin.call('CLIENT', 'KILL', 'ID', String(id))
    await eventually('the publisher reconnecting', () => pair.publisher.status !== 'ready')
    await bus.publish(ids(12))
    expect(bus.stats()).toMatchObject({ deferred: 1, queued: 1 })
    await eventually('published once the publisher is back', () => bus.stats().queued === 0 && bus.stats().published === 1)
    expect(bus.stats()).toMatchObject({ retried: 1, subscriptionDrops: 0 })
  })

  it('while the publisher is down, heartbeats neither ping nor requeue: what waits is counted once', async () => {
    const channel = `stall-${++counter}`
    const pair = connectPair(redis.url, `stall-down-${channel}`)
    pair.publisher.options.retryStrategy = () => null // stays down until the test reconnects it
    const { bus } = open(channel, { heartbeatInterval: 20 }, pair)
    await eventually('trusted', () => bus.stats().trusted)
    await redis.signal('SIGKILL')
    await eventually('the publisher down', () => pair.publisher.status === 'end')
    await bus.publish(ids(10))
    const down = bus.stats()
    expect(down).toMatchObject({ deferred: 1, queued: 1, publishFailures: 0 })
    await delay(200) // about ten heartbeats
    expect(bus.stats()).toMatchObject({ deferred: 1, queued: 1, pingsSent: down.pingsSent, sequence: down.sequence })
    await redis.start()
    await pair.publisher.connect()
    await eventually('the queue published', () => bus.stats().queued === 0 && bus.stats().published === 1)
    expect(bus.stats()).toMatchObject({ retried: 1, deferred: 1 })
  })

  it('a PUBLISH that fails after its timeout is not counted twice', async () => {
    const channel = `stall-${++counter}`
    const pair = connectPair(redis.url, `stall-late-${channel}`)
    pair.publisher.options.retryStrategy = () => null // its pending commands fail when the server dies
    const { bus } = open(channel, { heartbeatInterval: 60_000, heartbeatTimeout: 120_000 }, pair)
    await eventually('trusted', () => bus.stats().trusted)
    await redis.signal('SIGSTOP')
    await bus.publish(ids(11))
    expect(bus.stats()).toMatchObject({ publishFailures: 1, queued: 1, inflight: 0 })
    await redis.signal('SIGKILL')
    await eventually('the publisher down', () => pair.publisher.status === 'end')
    await delay(50) // the unanswered PUBLISH is rejected now
    expect(bus.stats()).toMatchObject({ publishFailures: 1, queued: 1, inflight: 0 })
  })

  it('resubscribes by itself after the subscription dropped, even without ioredis resubscribing, and counts one drop', async () => {
    const channel = `stall-${++counter}`
    const pair = connectPair(redis.url, `stall-resubscribe-${channel}`, { autoResubscribe: false })
    const { bus } = open(channel, {}, pair)
    await eventually('trusted', () => bus.stats().trusted)
    await redis.signal('SIGKILL')
    await eventually('distrusted', () => !bus.stats().trusted)
    await delay(300) // several failed reconnection attempts: none is a drop
    await redis.start()
    await eventually('trusted again', () => bus.stats().trusted)
    expect(bus.stats()).toMatchObject({ subscriptionDrops: 1, trustChanges: 3 })
  })

  it('close() waits for every PUBLISH in flight, then drops what is still queued, with a warning', async () => {
    const channel = `stall-${++counter}`
    const { bus } = open(channel, { publishTimeout: 1_000 }) // wide enough that the second PUBLISH leaves before the first times out
    const trust: boolean[] = []
    const subscriber: InvalidationSubscriber = { onInvalidation: () => undefined, onTrustChange: (trusted) => { trust.push(trusted) } }
    bus.subscribe(subscriber)
    await eventually('trusted', () => bus.stats().trusted)
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => { warnings.push(warning) }
    process.on('warning', onWarning)
    cleanups.push(() => {
      process.off('warning', onWarning)
      return Promise.resolve()
    })

    await redis.signal('SIGSTOP')
    const first = bus.publish(ids(5))
    await delay(100)
    const second = bus.publish(ids(6)) // sent before the first timed out: two in flight
    expect(bus.stats().inflight).toBe(2)
    const closing = bus.close()
    expect(await settledSoon(closing), 'close() waits for the PUBLISHes in flight').toBe(false)
    await first
    expect(bus.stats().inflight).toBe(1)
    expect(await settledSoon(closing), 'one is still in flight').toBe(false)
    await Promise.all([second, closing])

    expect(bus.stats()).toMatchObject({ inflight: 0, publishFailures: 2, dropped: 2, queued: 0, trusted: false, distrustReason: 'closed' })
    expect(trust.at(-1)).toBe(false)
    await eventually('the warning emitted', () => warnings.length > 0)
    expect(warnings.map((w) => [(w as Error & { code?: string }).code, w.message])).toEqual([[
      'CONTACT_REPOSITORY_INVALIDATIONS_DROPPED',
      '2 queued invalidation(s) could not be published before the bus closed; other instances keep those contacts until their TTL',
    ]])
    await expect(bus.publish(ids(7))).rejects.toMatchObject({ code: 'ERR_INVALIDATION_BUS_CLOSED' })
    await bus.announceSourceStatus({ token: 1, healthy: true })
    expect(bus.stats().statusesSent).toBe(0) // after close(): a no-op
  })
})

describe('G-BINLOG-LIVENESS: a health announcement never vouches for invalidations still queued (private redis-server, ACL)', () => {
  it('"healthy" goes out as "unhealthy" while the announcer has invalidations waiting to be published', async () => {
    const channel = `stall-acl-${++counter}`
    // The announcer may publish on the source channel only: its invalidations are refused (NOPERM) and queued.
    await admin.call('ACL', 'SETUSER', 'announcer', 'reset', 'on', '>secret', '~*', `&${channel}:source`, '+@all')
    const failures = record<BusPublishFailureEvent>(REDIS_BUS_CHANNELS.publishFailure)
    const { bus: follower } = open(channel, { sourceTimeout: 5_000 })
    const { bus: announcer } = open(channel, {}, connectPair(redis.url, 'stall-announcer', { username: 'announcer', password: 'secret' }))
    await eventually('the follower heard its own ping', () => follower.stats().pingsHeard > 0)

    await announcer.announceSourceStatus({ token: 1, healthy: true })
    await eventually('the follower trusts the source', () => follower.stats().trusted)
    expect(follower.stats()).toMatchObject({ sourceTrusted: true, sourceToken: 1, statusesHeard: 1 })

    // Its pings are refused for longer than publishTimeout: a refusal is an answer, not a stall,
    // so the invalidation is still tried (and refused) rather than queued without trying.
    await delay(300)
    await announcer.publish(ids(8))
    expect(announcer.stats()).toMatchObject({ publishFailures: 1, queued: 1 })
    const refusal = failures.find((e) => e.bus === announcer.id)
    expect(refusal?.error).toBeInstanceOf(Error)
    expect((refusal?.error as Error).message).toMatch(/NOPERM/)

    await announcer.announceSourceStatus({ token: 1, healthy: true })
    await eventually('the follower distrusts the source', () => !follower.stats().trusted)
    expect(follower.stats()).toMatchObject({ distrustReason: 'source-unhealthy', statusesHeard: 2 })
    expect(announcer.stats()).toMatchObject({ statusesSent: 2, statusesDropped: 0, deferred: 0 })
    // An announcement Redis refuses is dropped, and counted.
    await admin.call('ACL', 'SETUSER', 'announcer', 'resetchannels')
    await announcer.announceSourceStatus({ token: 1, healthy: true })
    expect(announcer.stats()).toMatchObject({ statusesSent: 3, statusesDropped: 1 })
  })
})
