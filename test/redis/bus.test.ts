// The Redis bus in one process, on the shared Redis (a channel of its own per test).
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CHANNELS, ContactRepository, ContactRepositoryError, ContactValidationError, type TrustEvent } from '../../src/index.js'
import {
  InvalidationBusClosedError,
  REDIS_BUS_CHANNELS,
  createRedisInvalidationBus,
  type BusReceiveEvent,
  type RedisInvalidationBus,
  type RedisInvalidationBusOptions,
} from '../../src/redis/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { REDIS_URL } from '../helpers/env.js'
import { eventually } from './helpers/clock.js'
import { recordChannel as record } from './helpers/record-channel.js'
import { channelName, openBus as openTestBus } from './helpers/open-bus.js'
import { connectPair } from './helpers/redis-connections.js'

const TENANT = 3
let backend: TestBackend
let admin: Redis
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => null })
  admin.on('error', () => undefined)
  try {
    await admin.ping()
  } catch (error) {
    throw new Error(`Redis is not reachable at ${REDIS_URL}; start it (see .ci/run) or set REDIS_URL`, { cause: error })
  }
  backend = await openBackend('mariadb', 'redis_bus')
  await backend.insert([1, 2, 3, 4, 5].map((id) => seed(TENANT, id, { first_name: 'v0' })))
})

afterAll(async () => {
  admin.disconnect()
  await backend.close()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// Each bus this file opens is closed after its test.
const openBus = (channel: string, options: Partial<RedisInvalidationBusOptions> = {}, url = REDIS_URL): ReturnType<typeof openTestBus> =>
  openTestBus(cleanups, channel, options, url)

function openRepository(bus: RedisInvalidationBus | undefined, extra: { now?: () => number; untrustedTtl?: number } = {}): ContactRepository {
  const repository = new ContactRepository({
    db: backend.db,
    table: backend.table,
    ttl: 60_000,
    ttlJitter: 0,
    ...(bus === undefined ? {} : { bus }),
    ...extra,
  })
  cleanups.push(() => repository.close())
  return repository
}

describe('Redis invalidation bus (shared Redis)', () => {
  it('G-BUS-PROPAGATION, G-BUS-ONLY-DELETES: delivers to other instances and to its other local repositories, never back to the publisher', async () => {
    const channel = channelName()
    const a = openBus(channel)
    const b = openBus(channel)
    const a1 = openRepository(a.bus)
    const a2 = openRepository(a.bus)
    const b1 = openRepository(b.bus)
    await eventually('both buses trusted', () => a.bus.stats().trusted && b.bus.stats().trusted)

    await a1.invalidate(TENANT, [5])
    expect(a1.stats().invalidations).toBe(1)
    expect(a2.stats().invalidations).toBe(1) // delivered synchronously in the process
    expect(a.bus.stats().published).toBe(1)
    await eventually('b1 received it', () => b1.stats().invalidations === 1)

    // A barrier the other way: Redis delivers in the order it handled the messages, so once
    // a2 has b's message, an echo of a1's earlier one would have reached bus a too.
    await b1.invalidateTenant(TENANT)
    await eventually('a2 received the barrier', () => a2.stats().invalidations === 2)
    expect(a1.stats().invalidations).toBe(2)
    expect(b1.stats().invalidations).toBe(2)
    expect(a.bus.stats()).toMatchObject({ published: 1, received: 1, subscribers: 2, queued: 0, dropped: 0 })
    expect(b.bus.stats()).toMatchObject({ published: 1, received: 1, subscribers: 1 })
  })

  it('G-BUS-TRUST: starts untrusted and trusts once it hears its own ping; stats() and the trust event say so', async () => {
    const trust = record<TrustEvent>(CHANNELS.trust)
    const busTrust = record<{ bus: string; trusted: boolean; reason: string | undefined }>(REDIS_BUS_CHANNELS.trust)
    try {
      const { bus } = openBus(channelName())
      const repository = openRepository(bus)
      expect(repository.stats().trusted).toBe(false)
      expect(bus.stats()).toMatchObject({ trusted: false, distrustReason: 'starting' })
      await eventually('trusted', () => repository.stats().trusted)
      expect(trust.events).toEqual([{ trusted: false }, { trusted: true }])
      expect(busTrust.events.filter((e) => e.bus === bus.id)).toEqual([{ bus: bus.id, trusted: true, reason: undefined }])
      expect(bus.stats().pingsHeard).toBeGreaterThan(0)
    } finally {
      trust.stop()
      busTrust.stop()
    }
  })

  it('G-BUS-DEGRADED: with Redis down from the start, the repository still works: local invalidation, entries capped at untrustedTtl', async () => {
    let clock = 1_000
    const down = 'redis://127.0.0.1:1' // nothing listens on port 1
    const { bus } = openBus(channelName(), {}, down)
    const trust = record<TrustEvent>(CHANNELS.trust)
    const repository = openRepository(bus, { now: () => clock, untrustedTtl: 500 })
    trust.stop()
    expect(trust.events).toEqual([{ trusted: false }])
    expect(repository.stats().trusted).toBe(false)

    const before = await backend.selectCount()
    expect((await repository.getMany(TENANT, [1, 2])).rows.map((r) => r.firstName)).toEqual(['v0', 'v0'])
    await repository.getMany(TENANT, [1, 2])
    expect(await backend.selectCount()).toBe(before + 1) // a hit while younger than untrustedTtl
    clock += 500
    await repository.getMany(TENANT, [1, 2])
    expect(await backend.selectCount()).toBe(before + 2) // expired at untrustedTtl, not ttl

    await repository.invalidate(TENANT, [1]) // resolves at once: queued for retry
    expect(repository.stats().invalidations).toBe(1)
    expect(bus.stats()).toMatchObject({ trusted: false, distrustReason: 'starting', queued: 1, deferred: 1, pingsSent: 0, published: 0 })
    await repository.getMany(TENANT, [1, 2])
    expect(await backend.selectCount()).toBe(before + 3)

    const warnings: Error[] = []
    const onWarning = (warning: Error): void => { warnings.push(warning) }
    process.on('warning', onWarning)
    await bus.close()
    await new Promise((resolve) => setImmediate(resolve))
    process.off('warning', onWarning)
    expect(bus.stats().dropped).toBe(1)
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toContain('CONTACT_REPOSITORY_INVALIDATIONS_DROPPED')
  })

  it('applies what it cannot read as a full invalidation, and ignores a newer version’s pings', async () => {
    const channel = channelName()
    const { bus } = openBus(channel)
    const repository = openRepository(bus)
    await eventually('trusted', () => bus.stats().trusted)
    await repository.getMany(TENANT, [1, 2, 3])
    expect(repository.stats().entries).toBe(3)

    await admin.publish(channel, '2:newer:1:p')
    await admin.publish(channel, '2:newer:2:x:whatever')
    await eventually('unreadable applied', () => bus.stats().unreadable === 1)
    expect(repository.stats().entries).toBe(0)
    await repository.getMany(TENANT, [1])
    await admin.publish(channel, 'garbage')
    await eventually('second unreadable applied', () => bus.stats().unreadable === 2)
    expect(repository.stats().entries).toBe(0)
    expect(repository.stats().invalidations).toBe(2)
  })

  it('G-BUS-ONLY-DELETES: lets duplicated, reordered and late messages only delete: a re-read returns the current row, never an older one', async () => {
    const channel = channelName()
    const reader = openBus(channel)
    const writer = openBus(channel)
    const repository = openRepository(reader.bus)
    const received = record<BusReceiveEvent>(REDIS_BUS_CHANNELS.receive)
    try {
      await eventually('trusted', () => reader.bus.stats().trusted && writer.bus.stats().trusted)
      await backend.update(4, { first_name: 'v1' })
      // The invalidation of v0 -> v1, then the same again, an older-looking tenant message,
      // and a burst of duplicates: in any order, each one only makes the next read a miss.
      const messages = [
        { kind: 'ids', tenantId: TENANT, ids: [4] },
        { kind: 'tenant', tenantId: TENANT },
        { kind: 'ids', tenantId: TENANT, ids: [4, 4, 3] },
        { kind: 'ids', tenantId: TENANT, ids: [4] },
      ] as const
      for (let round = 0; round < 5; round++) {
        for (const message of round % 2 === 0 ? messages : [...messages].reverse()) {
          await writer.bus.publish(message)
          expect((await repository.getMany(TENANT, [4])).rows[0]?.firstName).toBe('v1')
        }
      }
      await eventually('every message applied', () => received.events.filter((e) => e.bus === reader.bus.id).length === 20)
      expect((await repository.getMany(TENANT, [4])).rows[0]?.firstName).toBe('v1')
      expect(reader.bus.stats().received).toBe(20) // nothing ignored
    } finally {
      received.stop()
      await backend.update(4, { first_name: 'v0' })
    }
  })

  it('close() leaves both connections open and usable, and tells its subscribers it no longer delivers', async () => {
    const { bus, pair } = openBus(channelName())
    const repository = openRepository(bus)
    await eventually('trusted', () => repository.stats().trusted)
    await bus.close()
    expect(repository.stats().trusted).toBe(false)
    expect(bus.stats()).toMatchObject({ trusted: false, distrustReason: 'closed', subscribers: 0 })
    expect(await pair.publisher.ping()).toBe('PONG')
    await eventually('subscriber left subscriber mode', () => pair.subscriber.mode === 'normal')
    expect(await pair.subscriber.ping()).toBe('PONG')
    const error: unknown = await bus.publish({ kind: 'all' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidationBusClosedError)
    expect((error as InvalidationBusClosedError).code).toBe('ERR_INVALIDATION_BUS_CLOSED')
    expect(error).toBeInstanceOf(ContactRepositoryError)
    expect(() => bus.subscribe({ onInvalidation: () => undefined, onTrustChange: () => undefined })).toThrow(InvalidationBusClosedError)
  })

  it('validates its options once, naming the option, and the messages it is given', async () => {
    const pair = connectPair(REDIS_URL, 'bus-test-options', { lazyConnect: true })
    cleanups.push(() => pair.quit())
    const base = { publisher: pair.publisher, subscriber: pair.subscriber, channel: 'c' }
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...base, publisher: {} }, /options\.publisher/],
      [{ ...base, subscriber: undefined }, /options\.subscriber/],
      [{ ...base, subscriber: pair.publisher }, /options\.subscriber must be a connection of its own/],
      [{ ...base, channel: '' }, /options\.channel/],
      [{ ...base, heartbeatInterval: 0 }, /options\.heartbeatInterval/],
      [{ ...base, heartbeatInterval: 100, heartbeatTimeout: 100 }, /options\.heartbeatTimeout must exceed/],
      [{ ...base, publishTimeout: 1.5 }, /options\.publishTimeout/],
      [{ ...base, maxQueued: 0 }, /options\.maxQueued/],
      [{ ...base, heartbeat: 1 }, /options\.heartbeat is not an option/],
    ]
    for (const [options, message] of bad) {
      expect(() => createRedisInvalidationBus(options as unknown as RedisInvalidationBusOptions)).toThrow(message)
      expect(() => createRedisInvalidationBus(options as unknown as RedisInvalidationBusOptions)).toThrow(TypeError)
    }
    const { bus } = openBus(channelName())
    for (const message of [{ kind: 'ids', tenantId: 0, ids: [1] }, { kind: 'ids', tenantId: 1, ids: ['1'] }, { kind: 'nope' }]) {
      await expect(bus.publish(message as never)).rejects.toBeInstanceOf(ContactValidationError)
    }
    expect(bus.stats().published).toBe(0)
  })
})
