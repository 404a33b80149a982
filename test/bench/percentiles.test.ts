import { describe, expect, it } from 'vitest'
import { quantile, summarize } from '../../bench/lib/percentiles.js'

describe('percentiles', () => {
  it('interpolates between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(quantile([10, 20], 0.99)).toBeCloseTo(19.9, 12)
    expect(quantile([7], 0.99)).toBe(7)
    expect(quantile([], 0.5)).toBeNaN()
  })

  it('summarises unsorted values without changing them', () => {
    const values = [5, 1, 4, 2, 3]
    expect(summarize(values)).toEqual({ count: 5, mean: 3, min: 1, p50: 3, p99: 4.96, max: 5 })
    expect(values).toEqual([5, 1, 4, 2, 3])
    expect(summarize([]).count).toBe(0)
  })
})
