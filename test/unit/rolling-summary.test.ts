// The rolling summary behind `stats()`'s query and batch times: percentiles of the most recent
// values (nearest rank), the count of all, and the ring that forgets the oldest.
import { describe, expect, it } from 'vitest'
import { RollingSummary } from '../../src/observability/rolling-summary.js'

describe('RollingSummary', () => {
  it('summarises nothing as zeros', () => {
    expect(new RollingSummary(4).summary()).toEqual({ count: 0, mean: 0, p50: 0, p99: 0, max: 0 })
  })

  it('summarises one value as itself', () => {
    const summary = new RollingSummary(4)
    summary.add(5)
    expect(summary.summary()).toEqual({ count: 1, mean: 5, p50: 5, p99: 5, max: 5 })
  })

  it('takes percentiles by nearest rank over values in numeric order', () => {
    const summary = new RollingSummary()
    // Added out of order, with numbers whose text order differs from their numeric order.
    for (const value of [100, 9, 10, 2, 1000]) summary.add(value)
    expect(summary.summary()).toEqual({ count: 5, mean: 224.2, p50: 10, p99: 1000, max: 1000 })
    const hundred = new RollingSummary()
    for (let value = 100; value >= 1; value--) hundred.add(value)
    expect(hundred.summary()).toEqual({ count: 100, mean: 50.5, p50: 50, p99: 99, max: 100 })
  })

  it('keeps only the last `capacity` values, and counts every one', () => {
    const summary = new RollingSummary(4)
    for (let value = 1; value <= 6; value++) summary.add(value)
    expect(summary.summary()).toEqual({ count: 6, mean: 4.5, p50: 4, p99: 6, max: 6 })
  })

  it('holds 1,024 values by default', () => {
    const summary = new RollingSummary()
    for (let value = 1; value <= 1025; value++) summary.add(value)
    expect(summary.summary()).toMatchObject({ count: 1025, max: 1025, mean: 513.5 })
  })
})
