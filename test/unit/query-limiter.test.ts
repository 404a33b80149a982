import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ContactOverloadError } from '../../src/index.js'
import { QueryLimiter, type QueryLimiterLimits, type ReleaseSlot, type SlotRequest } from '../../src/loading/query-limiter.js'

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

/**
 * The limiter's rules, written plainly: a request runs at once when its tenant has no one
 * waiting and both limits allow it; otherwise it waits in its tenant's queue (refused when that
 * queue, then the global one, is full). A freed slot is offered to tenants in turn: the tenant at
 * the front of the turns leaves them, takes the slot for its oldest request if below its own
 * limit, and goes to the back while it still has requests waiting. After a grant every tenant is
 * offered again; a round in which nobody could take the slot ends the offers.
 */
class ReferenceLimiter {
  readonly granted: number[] = []
  readonly #running = new Map<number, number>()
  readonly #waiting = new Map<number, number[]>()
  #turns: number[] = []
  #active = 0

  constructor(readonly limits: QueryLimiterLimits) {}

  get active(): number {
    return this.#active
  }

  get queued(): number {
    return [...this.#waiting.values()].reduce((sum, queue) => sum + queue.length, 0)
  }

  /** Tenants with a request running or waiting. */
  get tenants(): number {
    return new Set([...this.#running.keys(), ...this.#waiting.keys()]).size
  }

  acquire(tenantId: number, request: number): 'run' | 'wait' | 'tenant' | 'global' {
    const queue = this.#waiting.get(tenantId) ?? []
    const running = this.#running.get(tenantId) ?? 0
    if (queue.length === 0 && this.#active < this.limits.maxConcurrent && running < this.limits.maxConcurrentPerTenant) {
      this.#run(tenantId, request)
      return 'run'
    }
    if (queue.length >= this.limits.maxQueuedPerTenant) return 'tenant'
    if (this.queued >= this.limits.maxQueued) return 'global'
    if (!this.#turns.includes(tenantId)) this.#turns.push(tenantId)
    this.#waiting.set(tenantId, [...queue, request])
    return 'wait'
  }

  release(tenantId: number): void {
    this.#active--
    const running = (this.#running.get(tenantId) as number) - 1
    if (running === 0) this.#running.delete(tenantId)
    else this.#running.set(tenantId, running)
    let offers = this.#turns.length
    while (offers > 0 && this.#active < this.limits.maxConcurrent) {
      offers--
      const [front, ...rest] = this.#turns as [number, ...number[]]
      this.#turns = rest
      const queue = this.#waiting.get(front) ?? []
      let granted = false
      if (queue.length > 0 && (this.#running.get(front) ?? 0) < this.limits.maxConcurrentPerTenant) {
        this.#run(front, queue.shift() as number)
        granted = true
      }
      if (queue.length > 0) this.#turns.push(front)
      else this.#waiting.delete(front)
      if (granted) offers = this.#turns.length
    }
  }

  /** A tenant whose last waiting request leaves gives up its turn. */
  cancel(tenantId: number, request: number): void {
    const queue = this.#waiting.get(tenantId) ?? []
    if (!queue.includes(request)) return
    queue.splice(queue.indexOf(request), 1)
    if (queue.length > 0) return
    this.#waiting.delete(tenantId)
    this.#turns = this.#turns.filter((turn) => turn !== tenantId)
  }

  #run(tenantId: number, request: number): void {
    this.#active++
    this.#running.set(tenantId, (this.#running.get(tenantId) ?? 0) + 1)
    this.granted.push(request)
  }
}

describe('G-OVERLOAD: QueryLimiter against a reference of its rules', () => {
  it('grants, queues, refuses and forgets tenants as the reference does, after any sequence', async () => {
    const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), tenant: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), twice: fc.boolean() }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    )
    const bounds = fc.record({
      maxConcurrent: fc.integer({ min: 1, max: 4 }),
      maxConcurrentPerTenant: fc.integer({ min: 1, max: 3 }),
      maxQueued: fc.integer({ min: 1, max: 6 }),
      maxQueuedPerTenant: fc.integer({ min: 1, max: 4 }),
      retryAfterMs: fc.constant(250),
    })
    await fc.assert(
      fc.asyncProperty(bounds, fc.array(operation, { maxLength: 60, size: 'max' }), async (b, operations) => {
        const limiter = new QueryLimiter(b)
        const reference = new ReferenceLimiter(b)
        const granted: number[] = []
        // Requests by number: their tenant, and the slot once granted or the request while waiting.
        const tenantOf: number[] = []
        const held = new Map<number, ReleaseSlot>()
        const waiting = new Map<number, SlotRequest>()
        for (const op of operations) {
          if (op.kind === 'acquire') {
            const request = tenantOf.push(op.tenant) - 1
            let answer: ReturnType<ReferenceLimiter['acquire']>
            try {
              const slot = limiter.acquire(op.tenant)
              if (typeof slot === 'function') {
                answer = 'run'
                granted.push(request)
                held.set(request, slot)
              } else {
                answer = 'wait'
                waiting.set(request, slot)
                void slot.granted.then((release) => {
                  granted.push(request)
                  waiting.delete(request)
                  held.set(request, release)
                })
              }
            } catch (error) {
              answer = (error as ContactOverloadError).scope
            }
            expect(answer).toBe(reference.acquire(op.tenant, request))
          } else if (op.kind === 'release' && held.size > 0) {
            const request = [...held.keys()][op.pick % held.size] as number
            const release = held.get(request) as ReleaseSlot
            held.delete(request)
            release()
            if (op.twice) release() // harmless
            reference.release(tenantOf[request] as number)
          } else if (op.kind === 'cancel') {
            // Any request: one still waiting leaves the queue; cancelling a granted one is harmless.
            if (tenantOf.length === 0) continue
            const request = op.pick % tenantOf.length
            const pending = waiting.get(request)
            if (pending !== undefined) {
              pending.cancel()
              waiting.delete(request)
              reference.cancel(tenantOf[request] as number, request)
            }
          }
          await flush()
          expect(granted).toEqual(reference.granted)
          expect([limiter.active, limiter.queued, limiter.tenants]).toEqual([reference.active, reference.queued, reference.tenants])
        }
      }),
      { numRuns: 300 },
    )
  })

  it('leaves other requests queued when a granted request is cancelled late', async () => {
    const limiter = new QueryLimiter({ ...limits, maxConcurrent: 1 })
    const first = limiter.acquire(1) as ReleaseSlot
    const second = limiter.acquire(2) as SlotRequest
    limiter.acquire(3)
    limiter.acquire(4)
    first()
    const release = await second.granted
    // Its deadline passed just as the slot came: cancelling now must not take another's place.
    second.cancel()
    expect([limiter.active, limiter.queued]).toEqual([1, 2])
    release()
    expect([limiter.active, limiter.queued]).toEqual([1, 1])
  })
})
