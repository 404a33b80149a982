/** Location and spread of a set of measurements, in their own unit. */
export interface Distribution {
  readonly count: number
  readonly mean: number
  readonly min: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/** Summarises `values` (not changed). An empty set gives NaN everywhere but `count`. */
export function summarize(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort()
  const count = sorted.length
  if (count === 0) return { count, mean: NaN, min: NaN, p50: NaN, p99: NaN, max: NaN }
  let sum = 0
  for (const value of sorted) sum += value
  return {
    count,
    mean: sum / count,
    min: sorted[0] as number,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[count - 1] as number,
  }
}

/** The q-quantile of ascending `sorted`, interpolated between order statistics (R-7, as tinybench). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return NaN
  const position = (n - 1) * q
  const below = Math.floor(position)
  const above = Math.min(n - 1, below + 1)
  const low = sorted[below] as number
  return low + ((sorted[above] as number) - low) * (position - below)
}
