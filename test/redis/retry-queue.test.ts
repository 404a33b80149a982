import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { InvalidationMessage } from '../../src/index.js'
import { RetryQueue } from '../../src/redis/retry-queue.js'

function covers(messages: readonly InvalidationMessage[], tenantId: number, id: number): boolean {
  return messages.some(
    (m) => m.kind === 'all' || (m.kind === 'tenant' && m.tenantId === tenantId) || (m.kind === 'ids' && m.tenantId === tenantId && m.ids.includes(id)),
  )
}

const smallId = fc.integer({ min: 1, max: 30 })
const message: fc.Arbitrary<InvalidationMessage> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('ids' as const), tenantId: fc.integer({ min: 1, max: 6 }), ids: fc.array(smallId, { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tenant' as const), tenantId: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'all' as const }) },
)

describe('G-BUS-TRUST: retry queue', () => {
  it('merges per tenant and drains to messages covering everything', () => {
    const queue = new RetryQueue(100)
    queue.add({ kind: 'ids', tenantId: 1, ids: [1, 2] })
    queue.add({ kind: 'ids', tenantId: 1, ids: [2, 3] })
    queue.add({ kind: 'ids', tenantId: 2, ids: [9] })
    expect(queue.size).toBe(4)
    queue.add({ kind: 'tenant', tenantId: 2 })
    queue.add({ kind: 'ids', tenantId: 2, ids: [10] })
    expect(queue.size).toBe(4)
    expect(queue.drain()).toEqual([
      { kind: 'ids', tenantId: 1, ids: [1, 2, 3] },
      { kind: 'tenant', tenantId: 2 },
    ])
    expect(queue.size).toBe(0)
    expect(queue.collapses).toBe(0)
  })

  it('widens on overflow: the largest tenant first, then everything', () => {
    const queue = new RetryQueue(5)
    queue.add({ kind: 'ids', tenantId: 1, ids: [1, 2, 3] })
    queue.add({ kind: 'ids', tenantId: 2, ids: [1, 2] })
    queue.add({ kind: 'ids', tenantId: 3, ids: [1] })
    expect(queue.collapses).toBe(1)
    expect(queue.size).toBe(4)
    expect(queue.drain()).toEqual([
      { kind: 'tenant', tenantId: 1 },
      { kind: 'ids', tenantId: 2, ids: [1, 2] },
      { kind: 'ids', tenantId: 3, ids: [1] },
    ])
    const full = new RetryQueue(2)
    for (let tenantId = 1; tenantId <= 3; tenantId++) full.add({ kind: 'tenant', tenantId })
    expect(full.drain()).toEqual([{ kind: 'all' }])
  })

  it('takes a burst of 10,000 IDs in constant space', () => {
    const queue = new RetryQueue(1000)
    for (let id = 1; id <= 10_000; id++) queue.add({ kind: 'ids', tenantId: 7, ids: [id] })
    expect(queue.size).toBeLessThanOrEqual(1000)
    expect(queue.drain()).toEqual([{ kind: 'tenant', tenantId: 7 }])
  })

  it('never exceeds its bound and never loses an invalidation (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(message, { maxLength: 60 }), (max, added) => {
        const queue = new RetryQueue(max)
        for (const m of added) {
          queue.add(m)
          expect(queue.size).toBeLessThanOrEqual(max)
        }
        const drained = queue.drain()
        for (const m of added) {
          if (m.kind === 'all') expect(drained).toEqual([{ kind: 'all' }])
          else if (m.kind === 'tenant') expect(covers(drained, m.tenantId, 1) && covers(drained, m.tenantId, 999)).toBe(true)
          else for (const id of m.ids) expect(covers(drained, m.tenantId, id)).toBe(true)
        }
      }),
    )
  })
})

describe('RetryQueue, rule by rule', () => {
  it('widens only until it fits, the first of equally wide tenants first', () => {
    const queue = new RetryQueue(3)
    queue.add({ kind: 'ids', tenantId: 1, ids: [1, 2] })
    queue.add({ kind: 'ids', tenantId: 2, ids: [5, 6] })
    // 4 > 3: one tenant made tenant-wide brings it to 3, which fits; the other keeps its IDs.
    expect(queue.size).toBe(3)
    expect(queue.drain()).toEqual([{ kind: 'tenant', tenantId: 1 }, { kind: 'ids', tenantId: 2, ids: [5, 6] }])
  })

  it('counts a tenant-wide entry once, however often it is queued', () => {
    const queue = new RetryQueue(10)
    queue.add({ kind: 'ids', tenantId: 1, ids: [1, 2, 3] })
    queue.add({ kind: 'tenant', tenantId: 1 })
    queue.add({ kind: 'tenant', tenantId: 1 })
    queue.add({ kind: 'ids', tenantId: 1, ids: [4] })
    expect(queue.size).toBe(1)
    expect(queue.drain()).toEqual([{ kind: 'tenant', tenantId: 1 }])
  })

  it('takes nothing more once it holds everything, and starts empty again after a drain', () => {
    const queue = new RetryQueue(10)
    queue.add({ kind: 'all' })
    queue.add({ kind: 'ids', tenantId: 1, ids: [1, 2] })
    queue.add({ kind: 'tenant', tenantId: 2 })
    expect(queue.size).toBe(1)
    expect(queue.drain()).toEqual([{ kind: 'all' }])
    queue.add({ kind: 'ids', tenantId: 3, ids: [7] })
    expect(queue.drain()).toEqual([{ kind: 'ids', tenantId: 3, ids: [7] }])
    expect(queue.size).toBe(0)
  })
})
