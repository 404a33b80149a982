import { randomUUID } from 'node:crypto'
import { createRedisInvalidationBus, type RedisInvalidationBus, type RedisInvalidationBusOptions } from '../../../src/redis/index.js'
import { REDIS_URL } from '../../helpers/env.js'
import { connectPair, type ConnectionPair } from './redis-connections.js'

/** A channel no other test uses. */
export function channelName(): string {
  return `contact-repository-test:${randomUUID()}`
}

/**
 * A bus on its own publisher/subscriber pair, with a fast heartbeat (50 ms, stalled after 1 s)
 * unless `options` says otherwise. Closing the bus and its connections is pushed to `cleanups`,
 * which the test file runs after each test.
 */
export function openBus(
  cleanups: (() => Promise<void>)[],
  channel: string,
  options: Partial<RedisInvalidationBusOptions> = {},
  url = REDIS_URL,
): { bus: RedisInvalidationBus; pair: ConnectionPair } {
  const pair = connectPair(url, `bus-test-${channel.slice(-6)}`)
  const bus = createRedisInvalidationBus({
    publisher: pair.publisher,
    subscriber: pair.subscriber,
    channel,
    heartbeatInterval: 50,
    heartbeatTimeout: 1_000,
    ...options,
  })
  cleanups.push(async () => {
    await bus.close()
    await pair.quit()
  })
  return { bus, pair }
}
