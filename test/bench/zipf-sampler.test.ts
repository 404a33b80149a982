import { describe, expect, it } from 'vitest'
import { createRandom } from '../../bench/lib/random.js'
import { ZipfSampler } from '../../bench/lib/zipf-sampler.js'

// Pearson's chi-square statistic of observed counts against expected probabilities.
function chiSquare(counts: readonly number[], probabilities: readonly number[], draws: number): number {
  let statistic = 0
  for (let k = 0; k < counts.length; k++) {
    const expected = (probabilities[k] as number) * draws
    statistic += ((counts[k] as number) - expected) ** 2 / expected
  }
  return statistic
}

function histogram(sampler: ZipfSampler, draws: number): number[] {
  const counts = new Array<number>(sampler.n).fill(0)
  for (let i = 0; i < draws; i++) counts[sampler.next()]! += 1
  return counts
}

// Chi-square critical value for 49 degrees of freedom at p = 0.001.
const CRITICAL_49_DF = 85.35

describe('ZipfSampler', () => {
  it('gives rank k the probability 1/(k+1)^s over the harmonic sum', () => {
    const sampler = new ZipfSampler(4, 1, createRandom(1))
    const h = 1 + 1 / 2 + 1 / 3 + 1 / 4
    expect(sampler.probability(0)).toBeCloseTo(1 / h, 12)
    expect(sampler.probability(3)).toBeCloseTo(1 / 4 / h, 12)
    let sum = 0
    const big = new ZipfSampler(1000, 0.99, createRandom(1))
    for (let k = 0; k < 1000; k++) sum += big.probability(k)
    expect(sum).toBeCloseTo(1, 12)
  })

  it.each([0.8, 0.99, 1.2])('draws ranks with the theoretical frequencies (s=%s, chi-square)', (s) => {
    const sampler = new ZipfSampler(50, s, createRandom(11))
    const draws = 200_000
    const counts = histogram(sampler, draws)
    const probabilities = Array.from({ length: 50 }, (_, k) => sampler.probability(k))
    expect(chiSquare(counts, probabilities, draws)).toBeLessThan(CRITICAL_49_DF)
    // The head, read directly: rank 0 within 1% of its expected share.
    expect(counts[0]! / draws).toBeCloseTo(probabilities[0]!, 2)
  })

  it('is told apart from a neighbouring exponent by the same test (the test can fail)', () => {
    const draws = 200_000
    const counts = histogram(new ZipfSampler(50, 0.8, createRandom(11)), draws)
    const theory = new ZipfSampler(50, 0.99, createRandom(1))
    const probabilities = Array.from({ length: 50 }, (_, k) => theory.probability(k))
    expect(chiSquare(counts, probabilities, draws)).toBeGreaterThan(CRITICAL_49_DF * 10)
  })

  it('stays within [0, n) and is reproducible from its seed', () => {
    const a = new ZipfSampler(1_000_000, 0.99, createRandom(3))
    const b = new ZipfSampler(1_000_000, 0.99, createRandom(3))
    for (let i = 0; i < 10_000; i++) {
      const rank = a.next()
      expect(rank).toBe(b.next())
      expect(Number.isInteger(rank) && rank >= 0 && rank < 1_000_000).toBe(true)
    }
  })

  it('is uniform for s = 0', () => {
    const sampler = new ZipfSampler(50, 0, createRandom(5))
    const draws = 100_000
    const counts = histogram(sampler, draws)
    expect(chiSquare(counts, new Array<number>(50).fill(1 / 50), draws)).toBeLessThan(CRITICAL_49_DF)
  })

  it('refuses sizes and exponents it cannot sample', () => {
    expect(() => new ZipfSampler(0, 1, createRandom(1))).toThrow(RangeError)
    expect(() => new ZipfSampler(10, -1, createRandom(1))).toThrow(RangeError)
  })
})
