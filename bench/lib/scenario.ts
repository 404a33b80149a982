/**
 * The contract between `bench/run.ts` and the files of `bench/scenarios/`: every file there
 * default-exports a {@link Scenario}, and the runner picks it up without being told about it.
 */
export interface Scenario {
  /** Short stable key, used in file names and as the key in latest.json: `hit-path`. */
  readonly id: string
  readonly title: string
  /** Position in the report; scenarios without one come after the others, by id. */
  readonly order?: number
  run(context: ScenarioContext): Promise<ScenarioReport>
}

/** What the runner gives every scenario. */
export interface ScenarioContext {
  /**
   * A brief smoke run (`--quick`): small sizes and few samples, to show that the scenario
   * still works end to end. Its figures are not meant to be read.
   */
  readonly quick: boolean
  /** Prints a progress line on stderr. */
  readonly log: (message: string) => void
}

/** What a scenario hands back: the runner writes it to latest.json, latest.md and SVG files. */
export interface ScenarioReport {
  /** How it was measured, in sentences; shown above the tables. */
  readonly method: readonly string[]
  readonly tables: readonly ReportTable[]
  /** The targets this scenario measures, each with the figure held against it. */
  readonly targets: readonly TargetCheck[]
  readonly charts: readonly Chart[]
  /** Raw figures for latest.json, in whatever shape suits the scenario. */
  readonly figures: Readonly<Record<string, unknown>>
}

export type Cell = string | number | null

export interface ReportTable {
  readonly title: string
  readonly columns: readonly string[]
  readonly rows: readonly (readonly Cell[])[]
  /** Printed under the table. */
  readonly note?: string
}

/**
 * One target of the issue beside the figure measured for it. Reported, never asserted:
 * `met` is `undefined` when the run could not tell (a quick run, a failed measurement).
 */
export interface TargetCheck {
  readonly target: string
  readonly measured: string
  readonly met: boolean | undefined
}

/** Horizontal bars in groups, e.g. one group per batch size, one bar per contender. */
export interface BarChart {
  readonly kind: 'bars'
  /** File name part: `<scenario id>-<chart id>.svg`. */
  readonly id: string
  readonly title: string
  readonly unit: string
  /** A log axis, for contenders that differ by orders of magnitude. */
  readonly log?: boolean
  readonly groups: readonly { readonly label: string; readonly bars: readonly { readonly label: string; readonly value: number }[] }[]
}

/** Lines over a numeric x axis, e.g. hit rate against cache size. */
export interface LineChart {
  readonly kind: 'lines'
  readonly id: string
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly { readonly label: string; readonly points: readonly { readonly x: number; readonly y: number }[] }[]
}

export type Chart = BarChart | LineChart

/** Whether a module's default export looks like a {@link Scenario}. */
export function isScenario(value: unknown): value is Scenario {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Scenario>
  return (
    typeof candidate.id === 'string' &&
    /^[a-z0-9-]+$/.test(candidate.id) &&
    typeof candidate.title === 'string' &&
    typeof candidate.run === 'function' &&
    (candidate.order === undefined || typeof candidate.order === 'number')
  )
}
