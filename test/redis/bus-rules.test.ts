// The Redis bus's rules that need no database, against the real Redis: what subscribe accepts,
// what its unsubscribe does, an empty ID list that sends nothing, and what close() hands back
// (its listeners off the connections, the channel unsubscribed). test/redis/bus.test.ts holds
// the propagation between repositories.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ContactValidationError, type InvalidationMessage } from '../../src/index.js'
import { REDIS_BUS_CHANNELS, type BusReceiveEvent } from '../../src/redis/index.js'
import { REDIS_URL } from '../helpers/env.js'
import { eventually } from './helpers/clock.js'
import { channelName, openBus as openTestBus } from './helpers/open-bus.js'
import { recordChannel } from './helpers/record-channel.js'

let admin: Redis
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  await admin.ping()
})
afterAll(() => { admin.disconnect() })
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const openBus = (channel: string, options: Parameters<typeof openTestBus>[2] = {}): ReturnType<typeof openTestBus> => openTestBus(cleanups, channel, options)

const numberOfSubscribers = async (channel: string): Promise<number> => {
  const reply = (await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number]
  return reply[1]
}

interface Recorder {
  readonly seen: InvalidationMessage[]
  readonly subscriber: { onInvalidation(message: InvalidationMessage): void; onTrustChange(trusted: boolean): void }
}

function recorder(): Recorder {
  const seen: InvalidationMessage[] = []
  return { seen, subscriber: { onInvalidation: (message) => { seen.push(message) }, onTrustChange: () => undefined } }
}

describe('G-BUS-PROPAGATION: the Redis bus, rule by rule', () => {
  it.each([
    ['without onInvalidation', { onTrustChange: () => undefined }],
    ['without onTrustChange', { onInvalidation: () => undefined }],
  ])('refuses a subscriber %s', (_, subscriber) => {
    const { bus } = openBus(channelName())
    expect(() => bus.subscribe(subscriber as never)).toThrow(new TypeError('subscriber must have onInvalidation() and onTrustChange() methods'))
  })

  it('delivers another instance\'s invalidations until the subscriber unsubscribes, and never an empty ID list', async () => {
    const channel = channelName()
    const { bus: receiving } = openBus(channel)
    const { bus: sending } = openBus(channel)
    await eventually('both buses trusted', () => receiving.stats().trusted && sending.stats().trusted)
    const { seen, subscriber } = recorder()
    const unsubscribe = receiving.subscribe(subscriber)
    const published = sending.stats().published
    await sending.publish({ kind: 'ids', tenantId: 1, ids: [] })
    expect(sending.stats().published).toBe(published)
    await sending.publish({ kind: 'ids', tenantId: 1, ids: [2] })
    await eventually('the invalidation arrived', () => seen.length === 1)
    expect(seen).toEqual([{ kind: 'ids', tenantId: 1, ids: [2] }])
    unsubscribe()
    await sending.publish({ kind: 'tenant', tenantId: 1 })
    // A later invalidation that does arrive proves the unsubscribed one had its chance.
    const { seen: later, subscriber: still } = recorder()
    receiving.subscribe(still)
    await sending.publish({ kind: 'all' })
    await eventually('the later invalidation arrived', () => later.some((m) => m.kind === 'all'))
    expect(seen).toEqual([{ kind: 'ids', tenantId: 1, ids: [2] }])
  })

  it('close() takes its listeners off both connections and unsubscribes from the channel', async () => {
    const channel = channelName()
    const { bus, pair } = openBus(channel)
    await eventually('subscribed', async () => (await numberOfSubscribers(channel)) === 1)
    const before = {
      message: pair.subscriber.listenerCount('message'),
      subscriberReady: pair.subscriber.listenerCount('ready'),
      subscriberClose: pair.subscriber.listenerCount('close'),
      publisherReady: pair.publisher.listenerCount('ready'),
    }
    await bus.close()
    expect({
      message: pair.subscriber.listenerCount('message'),
      subscriberReady: pair.subscriber.listenerCount('ready'),
      subscriberClose: pair.subscriber.listenerCount('close'),
      publisherReady: pair.publisher.listenerCount('ready'),
    }).toEqual({ message: before.message - 1, subscriberReady: before.subscriberReady - 1, subscriberClose: before.subscriberClose - 1, publisherReady: before.publisherReady - 1 })
    await eventually('unsubscribed', async () => (await numberOfSubscribers(channel)) === 0)
    expect(bus.stats().trusted).toBe(false)
  })

  it.each([
    ['a message of no known kind', { kind: 'some' }, [{ code: 'invalid', path: ['message', 'kind'], message: "Must be 'ids', 'tenant' or 'all'" }]],
    ['no message at all', undefined, [{ code: 'invalid', path: ['message', 'kind'], message: "Must be 'ids', 'tenant' or 'all'" }]],
    ['IDs of no tenant', { kind: 'ids', tenantId: 0, ids: [1] }, [{ code: 'not_positive', path: ['tenantId'], message: 'Must be greater than 0' }]],
    ['IDs that are not a list', { kind: 'ids', tenantId: 1, ids: '1' }, [{ code: 'invalid_type', path: ['ids'], message: 'Must be an array, not a string' }]],
    ['a bad ID', { kind: 'ids', tenantId: 1, ids: [1, -2] }, [{ code: 'not_positive', path: ['ids', 1], message: 'Must be greater than 0' }]],
    ['a tenant of no ID', { kind: 'tenant', tenantId: '1' }, [{ code: 'invalid_type', path: ['tenantId'], message: 'Must be an integer, not a string' }]],
  ])('refuses to publish %s, as data, and sends nothing', async (_, message, issues) => {
    const { bus } = openBus(channelName())
    const error: unknown = await bus.publish(message as InvalidationMessage).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(ContactValidationError)
    expect((error as ContactValidationError).issues).toEqual(issues)
    expect(bus.stats()).toMatchObject({ published: 0, deferred: 0, sequence: bus.stats().pingsSent })
  })

  it('counts what it publishes (none of it retried), its trust changes, and only its own pings', async () => {
    const channel = channelName()
    const { bus } = openBus(channel)
    const { bus: other } = openBus(channel)
    await eventually('both trusted', () => bus.stats().trusted && other.stats().trusted)
    expect(bus.stats().trustChanges).toBe(1)
    await bus.publish({ kind: 'tenant', tenantId: 4 })
    await bus.publish({ kind: 'all' })
    expect(bus.stats()).toMatchObject({ published: 2, retried: 0, publishFailures: 0, deferred: 0 })
    // Both buses ping on the same channel: each counts its own only.
    await eventually('pings on both sides', () => bus.stats().pingsHeard >= 5 && other.stats().pingsHeard >= 5)
    for (const stats of [bus.stats(), other.stats()]) expect(stats.pingsHeard).toBeLessThanOrEqual(stats.pingsSent)
  })

  it('delivers a message it cannot read as an invalidation of everything, and says so', async () => {
    const channel = channelName()
    const { bus } = openBus(channel)
    const { seen, subscriber } = recorder()
    bus.subscribe(subscriber)
    const received: BusReceiveEvent[] = []
    const recording = recordChannel<BusReceiveEvent>(REDIS_BUS_CHANNELS.receive, received)
    try {
      await eventually('subscribed', async () => (await numberOfSubscribers(channel)) === 1)
      await admin.publish(channel, '99:from-the-future:1:x')
      await eventually('delivered', () => seen.length === 1)
      expect(seen).toEqual([{ kind: 'all' }])
      expect(received.filter((e) => e.bus === bus.id)).toEqual([{ bus: bus.id, origin: undefined, seq: 0, message: { kind: 'all' } }])
      expect(bus.stats()).toMatchObject({ unreadable: 1, received: 0 })
    } finally {
      recording.stop()
    }
  })

  it.each([
    ['without sourceTimeout', {}],
    ['with sourceTimeout', { sourceTimeout: 1_000 }],
  ])("close() %s leaves the connection's other channels subscribed, warns of nothing when nothing waits, then announces nothing", async (_, options) => {
    const channel = channelName()
    const { bus, pair } = openBus(channel, options)
    await eventually('subscribed', async () => (await numberOfSubscribers(channel)) === 1)
    const mine = `${channel}:the-application's`
    await pair.subscriber.subscribe(mine)
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => { warnings.push(warning) }
    process.on('warning', onWarning)
    try {
      await bus.close()
      await eventually('the bus left its channel', async () => (await numberOfSubscribers(channel)) === 0)
      expect(await numberOfSubscribers(mine)).toBe(1)
      await bus.announceSourceStatus({ token: 1, healthy: true })
      expect(bus.stats()).toMatchObject({ statusesSent: 0, statusesDropped: 0, dropped: 0 })
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })
})
