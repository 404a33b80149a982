import { describe, expect, it } from 'vitest'
import { ContactOverloadError } from '../../src/index.js'
import { QueryLimiter, type ReleaseSlot, type SlotRequest } from '../../src/loading/query-limiter.js'

const limits = { maxConcurrent: 2, maxConcurrentPerTenant: 1, maxQueued: 4, maxQueuedPerTenant: 3, retryAfterMs: 250 }

describe('G-OVERLOAD: QueryLimiter', () => {
  it('grants at once below the limits and queues beyond them', async () => {
    const limiter = new QueryLimiter(limits)
    const a = limiter.acquire(1)
    const b = limiter.acquire(2)
    expect(typeof a).toBe('function')
    expect(typeof b).toBe('function')
    const c = limiter.acquire(3) as SlotRequest
    expect(typeof c).toBe('object')
    expect([limiter.active, limiter.queued]).toEqual([2, 1])
    ;(a as ReleaseSlot)()
    const release = await c.granted
    expect([limiter.active, limiter.queued]).toEqual([2, 0])
    release()
    release() // twice is harmless
    ;(b as ReleaseSlot)()
    expect([limiter.active, limiter.queued]).toEqual([0, 0])
  })

  it('refuses at once, with the scope and retry delay, when a queue is full', () => {
    const limiter = new QueryLimiter(limits)
    limiter.acquire(1)
    limiter.acquire(2)
    for (let i = 0; i < 3; i++) limiter.acquire(1)
    expect(() => limiter.acquire(1)).toThrow(expect.objectContaining({ code: 'ERR_CONTACTS_OVERLOADED', scope: 'tenant', retryAfterMs: 250 }))
    limiter.acquire(2)
    expect(() => limiter.acquire(3)).toThrow(ContactOverloadError)
    expect(() => limiter.acquire(3)).toThrow(expect.objectContaining({ scope: 'global' }))
  })

  it('serves waiting tenants in turn, so a storm from one tenant does not starve the others', async () => {
    const limiter = new QueryLimiter({ ...limits, maxConcurrent: 1, maxQueued: 100, maxQueuedPerTenant: 100 })
    const first = limiter.acquire(1) as ReleaseSlot
    const order: number[] = []
    const waiters: Promise<void>[] = []
    const enqueue = (tenant: number): void => {
      waiters.push(
        (limiter.acquire(tenant) as SlotRequest).granted.then((release) => {
          order.push(tenant)
          // Let the next one in on the next turn.
          queueMicrotask(release)
        }),
      )
    }
    for (let i = 0; i < 5; i++) enqueue(1) // tenant 1's storm arrives first
    enqueue(2)
    enqueue(3)
    first()
    await Promise.all(waiters)
    expect(order).toEqual([1, 2, 3, 1, 1, 1, 1])
  })

  it('keeps a tenant within its own concurrency while others use the free slots', async () => {
    const limiter = new QueryLimiter({ ...limits, maxConcurrent: 3, maxConcurrentPerTenant: 1 })
    const a = limiter.acquire(1) as ReleaseSlot
    const queued = (limiter.acquire(1) as SlotRequest).granted
    const other = limiter.acquire(2)
    expect(typeof other).toBe('function')
    expect([limiter.active, limiter.queued]).toEqual([2, 1])
    a()
    ;(await queued)()
    expect(limiter.active).toBe(1)
  })

  it('drops a cancelled request from the queue; it is never granted', async () => {
    const limiter = new QueryLimiter(limits)
    const first = limiter.acquire(1) as ReleaseSlot
    limiter.acquire(2)
    const waiting = limiter.acquire(3) as SlotRequest
    let granted = false
    void waiting.granted.then(() => { granted = true })
    waiting.cancel()
    waiting.cancel() // twice is harmless
    expect(limiter.queued).toBe(0)
    first()
    await new Promise((resolve) => setImmediate(resolve))
    expect(granted).toBe(false)
    expect(limiter.active).toBe(1)
  })
})
