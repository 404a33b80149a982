import type { TraceCell } from './trace-cells.js'

/** Issue 9's hit-rate targets on the real traces, in points (fractions of 1). */
export const CELL_MARGIN = 0.01
export const SPLIT_MARGIN = 0.005

/** The repository's hit rate in a cell minus the better of LRU and W-TinyLFU (negative: below). */
export function marginOverBest(cell: TraceCell, tenants = 1): number {
  return (cell.repository[tenants] ?? NaN) - Math.max(cell.lru, cell.wTinyLfu)
}

export interface TraceTargetChecks {
  /** Every cell at least max(LRU, W-TinyLFU) − 1 point. */
  readonly everyCell: { readonly met: boolean; readonly cellsMet: number; readonly worst: TraceCell | undefined }
  /** Mean over all cells at least W-TinyLFU's mean. */
  readonly mean: { readonly met: boolean; readonly repository: number; readonly wTinyLfu: number; readonly lru: number; readonly belady: number }
  /** Split over `tenants` tenants within 0.5 point of one tenant in every cell; undefined without both replays. */
  readonly split:
    | { readonly met: boolean; readonly tenants: number; readonly cellsMet: number; readonly worst: TraceCell | undefined; readonly meanDifference: number }
    | undefined
  /** Cells where the repository is below plain LRU. */
  readonly belowLru: number
}

/**
 * Checks the targets on measured cells: the one-tenant replay (`tenants[0]` of what was
 * measured, normally 1) against the references, and the split (the other count) against it.
 */
export function checkTraceTargets(cells: readonly TraceCell[], tenants: readonly number[]): TraceTargetChecks {
  const base = tenants[0] ?? 1
  const split = tenants.find((t) => t !== base)
  const mean = (f: (c: TraceCell) => number): number => cells.reduce((sum, c) => sum + f(c), 0) / cells.length
  let worst: TraceCell | undefined
  for (const cell of cells) if (worst === undefined || marginOverBest(cell, base) < marginOverBest(worst, base)) worst = cell
  const cellsMet = cells.filter((c) => marginOverBest(c, base) >= -CELL_MARGIN - 1e-9).length
  const repositoryMean = mean((c) => c.repository[base] ?? NaN)
  const wTinyLfuMean = mean((c) => c.wTinyLfu)
  const gap = (c: TraceCell): number => (split === undefined ? NaN : (c.repository[split] ?? NaN) - (c.repository[base] ?? NaN))
  let worstSplit: TraceCell | undefined
  for (const cell of cells) if (worstSplit === undefined || Math.abs(gap(cell)) > Math.abs(gap(worstSplit))) worstSplit = cell
  const splitMet = cells.filter((c) => Math.abs(gap(c)) <= SPLIT_MARGIN + 1e-9).length
  return {
    everyCell: { met: cells.length > 0 && cellsMet === cells.length, cellsMet, worst },
    mean: { met: cells.length > 0 && repositoryMean >= wTinyLfuMean, repository: repositoryMean, wTinyLfu: wTinyLfuMean, lru: mean((c) => c.lru), belady: mean((c) => c.belady) },
    split:
      split === undefined
        ? undefined
        : { met: cells.length > 0 && splitMet === cells.length, tenants: split, cellsMet: splitMet, worst: worstSplit, meanDifference: mean(gap) },
    belowLru: cells.filter((c) => (c.repository[base] ?? NaN) < c.lru).length,
  }
}
