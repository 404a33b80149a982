// The Redis bus's rules that need no database, against the real Redis: what subscribe accepts,
// what its unsubscribe does, an empty ID list that sends nothing, and what close() hands back
// (its listeners off the connections, the channel unsubscribed). test/redis/bus.test.ts holds
// the propagation between repositories.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InvalidationMessage } from '../../src/index.js'
import { REDIS_URL } from '../helpers/env.js'
import { eventually } from './helpers/clock.js'
import { channelName, openBus as openTestBus } from './helpers/open-bus.js'

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

const openBus = (channel: string): ReturnType<typeof openTestBus> => openTestBus(cleanups, channel)

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
})
