// How an invalidation or a trust change reaches the subscribers of a bus in this process
// (deliverInvalidation, tellTrust): every subscriber but the sender, each even when one before it
// throws, and the first error thrown again afterwards, outside the publisher's call.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deliverInvalidation, tellTrust, type InvalidationMessage, type InvalidationSubscriber } from '../../src/invalidation/invalidation-bus.js'

const MESSAGE: InvalidationMessage = { kind: 'ids', tenantId: 1, ids: [2] }

function subscriber(log: string[], name: string, error?: Error): InvalidationSubscriber {
  return {
    onInvalidation: (message) => {
      log.push(`${name}:${message.kind}`)
      if (error !== undefined) throw error
    },
    onTrustChange: (trusted) => {
      log.push(`${name}:${String(trusted)}`)
      if (error !== undefined) throw error
    },
  }
}

describe('deliverInvalidation and tellTrust', () => {
  afterEach(() => { vi.unstubAllGlobals() })

  /** Captures what would be thrown in a microtask instead of letting it reach the test runner. */
  function captureMicrotasks(): (() => void)[] {
    const queued: (() => void)[] = []
    vi.stubGlobal('queueMicrotask', (task: () => void) => { queued.push(task) })
    return queued
  }

  it('delivers to every subscriber but the sender, in order, and queues nothing when none throws', () => {
    const queued = captureMicrotasks()
    const log: string[] = []
    const a = subscriber(log, 'a')
    const sender = subscriber(log, 'sender')
    const b = subscriber(log, 'b')
    deliverInvalidation([a, sender, b], MESSAGE, sender)
    deliverInvalidation([a, b], { kind: 'all' }, undefined)
    expect(log).toEqual(['a:ids', 'b:ids', 'a:all', 'b:all'])
    expect(queued).toEqual([])
  })

  it('goes on past a subscriber that throws, then throws the first error in a microtask', () => {
    const queued = captureMicrotasks()
    const log: string[] = []
    const first = new Error('first')
    deliverInvalidation([subscriber(log, 'a', first), subscriber(log, 'b', new Error('second')), subscriber(log, 'c')], MESSAGE, undefined)
    expect(log).toEqual(['a:ids', 'b:ids', 'c:ids'])
    expect(queued).toHaveLength(1)
    expect(() => { queued[0]!() }).toThrow(first)
  })

  it('tells every subscriber of a trust change, the same way', () => {
    const queued = captureMicrotasks()
    const log: string[] = []
    const failure = new Error('listener')
    tellTrust([subscriber(log, 'a', failure), subscriber(log, 'b')], false)
    expect(log).toEqual(['a:false', 'b:false'])
    expect(queued).toHaveLength(1)
    expect(() => { queued[0]!() }).toThrow(failure)
  })
})
