import { describe, expect, it } from 'vitest'
import { lruContents } from '../../bench/lib/replay.js'

describe('lruContents', () => {
  it('lists what a plain LRU holds at a point of the trace, least recent first', () => {
    // After 1 2 3 1 4 (5 accesses), an LRU of 3 holds 3, 1, 4 (least recent first).
    expect(lruContents([1, 2, 3, 1, 4, 9, 9], 5, 3)).toEqual([3, 1, 4])
    expect(lruContents([1, 2, 3, 1, 4], 5, 10)).toEqual([2, 3, 1, 4])
    expect(lruContents([1, 2], 0, 3)).toEqual([])
  })
})
