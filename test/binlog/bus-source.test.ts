// The Redis bus's side of the binlog source, on the real Redis: a bus created with
// `sourceTimeout` trusts only while the source announces itself healthy, follows the highest
// fencing token, and treats silence as unhealthy; a bus without it ignores announcements.
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import type { InvalidationSubscriber } from '../../src/index.js'
import { createRedisInvalidationBus, type RedisInvalidationBus } from '../../src/redis/index.js'
import { REDIS_URL } from '../helpers/env.js'
import { eventually } from '../redis/helpers/clock.js'

const opened: { bus: RedisInvalidationBus; connections: Redis[] }[] = []
let counter = 0

afterEach(async () => {
  for (const { bus, connections } of opened.splice(0)) {
    await bus.close()
    for (const connection of connections) connection.disconnect()
  }
})

function open(channel: string, sourceTimeout?: number): RedisInvalidationBus {
  const publisher = new Redis(REDIS_URL)
  const subscriber = new Redis(REDIS_URL)
  const bus = createRedisInvalidationBus({ publisher, subscriber, channel, heartbeatInterval: 50, ...(sourceTimeout === undefined ? {} : { sourceTimeout }) })
  opened.push({ bus, connections: [publisher, subscriber] })
  return bus
}

function recorder(): InvalidationSubscriber & { trust: boolean[] } {
  const trust: boolean[] = []
  return { trust, onInvalidation: () => undefined, onTrustChange: (trusted) => { trust.push(trusted) } }
}

describe('a bus that depends on an invalidation source (sourceTimeout)', () => {
  it('G-BINLOG-LIVENESS: trusts only while the source announces itself healthy, and says why not', async () => {
    const channel = `binlog-bus-source:${process.pid}:${++counter}`
    const bus = open(channel, 300)
    const announcer = open(channel)
    const repository = recorder()
    bus.subscribe(repository)
    await eventually('its own ping heard', () => bus.stats().pingsHeard > 0)
    expect(bus.stats()).toMatchObject({ trusted: false, distrustReason: 'source-starting', sourceTrusted: false })

    await announcer.announceSourceStatus({ token: 1, healthy: true })
    await eventually('trusted', () => bus.stats().trusted)
    expect(bus.stats()).toMatchObject({ sourceTrusted: true, sourceToken: 1 })

    await announcer.announceSourceStatus({ token: 1, healthy: false })
    await eventually('distrusted', () => !bus.stats().trusted)
    expect(bus.stats().distrustReason).toBe('source-unhealthy')

    await announcer.announceSourceStatus({ token: 1, healthy: true })
    await eventually('trusted again', () => bus.stats().trusted)
    // Nothing more: silence for sourceTimeout.
    await eventually('silence noticed', () => bus.stats().distrustReason === 'source-silent', 5_000)
    expect(bus.stats().sourceSilences).toBeGreaterThanOrEqual(1)
    expect(repository.trust).toEqual([false, true, false, true, false])
  })

  it('G-BINLOG-LEASE: follows the highest token heard recently: a deposed tailer cannot vouch', async () => {
    const channel = `binlog-bus-source:${process.pid}:${++counter}`
    const bus = open(channel, 2_000)
    const announcer = open(channel)
    await eventually('its own ping heard', () => bus.stats().pingsHeard > 0)
    await announcer.announceSourceStatus({ token: 5, healthy: false })
    await announcer.announceSourceStatus({ token: 4, healthy: true })
    await eventually('both heard', () => bus.stats().statusesHeard + bus.stats().statusesIgnored >= 2)
    expect(bus.stats()).toMatchObject({ trusted: false, sourceToken: 5, statusesIgnored: 1 })
    await announcer.announceSourceStatus({ token: 6, healthy: true })
    await eventually('trusted', () => bus.stats().trusted)
  })

  it('ignores what it cannot read on the source channel, and unsubscribes both channels when closed', async () => {
    const channel = `binlog-bus-source:${process.pid}:${++counter}`
    const bus = open(channel, 2_000)
    const bystander = open(channel) // without sourceTimeout: not on the source channel
    const admin = new Redis(REDIS_URL)
    opened.push({ bus: bystander, connections: [admin] })
    const listeners = async (name: string): Promise<number> => ((await admin.call('PUBSUB', 'NUMSUB', name)) as [string, number])[1]
    await eventually('both heard their pings', () => bus.stats().pingsHeard > 0 && bystander.stats().pingsHeard > 0)
    expect([await listeners(channel), await listeners(`${channel}:source`)]).toEqual([2, 1])

    await admin.publish(`${channel}:source`, 'not an announcement')
    await eventually('ignored', () => bus.stats().statusesIgnored === 1)
    expect(bus.stats()).toMatchObject({ statusesHeard: 0, sourceToken: undefined, trusted: false, distrustReason: 'source-starting' })
    // An announcement on the invalidation channel is not one: only the source channel counts.
    await admin.publish(channel, '1:someone:1:s:9:h')
    await bystander.announceSourceStatus({ token: 2, healthy: true })
    await eventually('heard', () => bus.stats().statusesHeard === 1)
    expect(bus.stats()).toMatchObject({ sourceToken: 2, statusesIgnored: 1 })

    // An announcement on another channel of the same connection is not one either.
    const subscriber = opened.find((entry) => entry.bus === bus)?.connections[1] as Redis
    await subscriber.subscribe(`${channel}:elsewhere`)
    await admin.publish(`${channel}:elsewhere`, '1:someone:1:s:9:h')
    await bystander.announceSourceStatus({ token: 2, healthy: false })
    await eventually('heard', () => bus.stats().statusesHeard === 2)
    expect(bus.stats()).toMatchObject({ sourceToken: 2, statusesIgnored: 1, trusted: false })

    await bus.close()
    await eventually('both channels left', async () => (await listeners(channel)) === 1 && (await listeners(`${channel}:source`)) === 0)
  })

  it('a bus without sourceTimeout neither listens nor cares', async () => {
    const channel = `binlog-bus-source:${process.pid}:${++counter}`
    const bus = open(channel)
    const announcer = open(channel)
    await eventually('trusted', () => bus.stats().trusted)
    await announcer.announceSourceStatus({ token: 1, healthy: false })
    await announcer.announceSourceStatus({ token: 1, healthy: true })
    expect(announcer.stats().statusesSent).toBe(2)
    expect(bus.stats()).toMatchObject({ trusted: true, sourceTrusted: undefined, statusesHeard: 0 })
  })
})
