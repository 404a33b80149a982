import { describe, expect, it } from 'vitest'
import { createRandom } from '../../bench/lib/random.js'
import { UniformScan } from '../../bench/lib/uniform-scan.js'

function onePass(scan: UniformScan): number[][] {
  const pages: number[][] = []
  const passes = scan.passes
  while (scan.passes === passes) pages.push(scan.nextPage())
  return pages
}

describe('UniformScan', () => {
  it('reads the range in ID order, page by page, then starts again', () => {
    const scan = new UniformScan(100, 25, 10)
    const pages = onePass(scan)
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5])
    expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => 100 + i))
    expect(scan.passes).toBe(1)
    expect(scan.nextPage()).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i))
  })

  it('reads every ID exactly once per pass in shuffled order too', () => {
    const scan = new UniformScan(1, 1_000, 64, createRandom(9))
    const ids = onePass(scan).flat()
    expect(ids).toHaveLength(1_000)
    expect(new Set(ids).size).toBe(1_000)
    expect(Math.min(...ids)).toBe(1)
    expect(Math.max(...ids)).toBe(1_000)
    expect(ids).not.toEqual([...ids].sort((a, b) => a - b))
  })

  it('refuses empty ranges and pages', () => {
    expect(() => new UniformScan(1, 0, 10)).toThrow(RangeError)
    expect(() => new UniformScan(1, 10, 0)).toThrow(RangeError)
  })
})
