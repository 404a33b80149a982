// The Redis bus's options, checked once by createRedisInvalidationBus (resolveBusOptions), on
// stand-in connections: each refusal word for word, and the defaults that follow from others.
// test/redis/bus.test.ts refuses the same through the real constructor.
import { describe, expect, it } from 'vitest'
import { resolveBusOptions } from '../../src/redis/redis-invalidation-bus-options.js'

/** Has what the bus checks a connection for: its four methods and a status. */
const connection = (): object => ({ publish() {}, subscribe() {}, on() {}, off() {}, status: 'ready' })

describe('resolveBusOptions', () => {
  const publisher = connection()
  const subscriber = connection()
  const valid = { publisher, subscriber, channel: 'contacts' }
  const withoutOff = { publish() {}, subscribe() {}, on() {}, status: 'ready' }

  it.each([
    ['no options', null, 'options must be an object with `publisher`, `subscriber` and `channel`'],
    ['an unknown option', { ...valid, heartbeatIntervall: 1 }, 'options.heartbeatIntervall is not an option of createRedisInvalidationBus'],
    ['a publisher that is no connection', { ...valid, publisher: {} }, 'options.publisher must be an ioredis connection'],
    ['a publisher without a status', { ...valid, publisher: { ...connection(), status: 1 } }, 'options.publisher must be an ioredis connection'],
    ['a subscriber without off', { ...valid, subscriber: withoutOff }, 'options.subscriber must be an ioredis connection'],
    ['one connection for both', { ...valid, subscriber: publisher }, 'options.subscriber must be a connection of its own (e.g. publisher.duplicate())'],
    ['an empty channel', { ...valid, channel: '' }, 'options.channel must be a non-empty string; got ""'],
    ['a heartbeat timeout equal to the interval', { ...valid, heartbeatInterval: 100, heartbeatTimeout: 100 }, 'options.heartbeatTimeout must exceed options.heartbeatInterval (100); got 100'],
    ['a source timeout of 0', { ...valid, sourceTimeout: 0 }, 'options.sourceTimeout must be an integer from 1 to 2147483647; got 0'],
    ['a queue of 0', { ...valid, maxQueued: 0 }, 'options.maxQueued must be an integer from 1 to 9007199254740991; got 0'],
    ['a publish timeout of 0', { ...valid, publishTimeout: 0 }, 'options.publishTimeout must be an integer from 1 to 2147483647; got 0'],
  ])('refuses %s', (_, options, message) => {
    expect(() => resolveBusOptions(options as never)).toThrow(new TypeError(message))
  })

  it('defaults the heartbeat timeout to three intervals, and leaves the source timeout out unless given', () => {
    const defaults = resolveBusOptions(valid as never)
    expect(defaults).toEqual({ ...valid, heartbeatInterval: 1_000, heartbeatTimeout: 3_000, publishTimeout: 2_000, maxQueued: 10_000 })
    expect('sourceTimeout' in defaults).toBe(false)
    const given = resolveBusOptions({ ...valid, heartbeatInterval: 50, heartbeatTimeout: 51, sourceTimeout: 7 } as never)
    expect(given).toMatchObject({ heartbeatInterval: 50, heartbeatTimeout: 51, sourceTimeout: 7 })
    expect(resolveBusOptions({ ...valid, heartbeatInterval: 50 } as never).heartbeatTimeout).toBe(150)
  })
})
