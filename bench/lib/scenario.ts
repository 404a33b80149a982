/**
 * The contract between `bench/run.ts` and the files of `bench/scenarios/`: every file there
 * default-exports a {@link Scenario}, and the runner picks it up without being told about it.
 */
export interface Scenario {
  /** Short stable key, used in file names, in `--only=` and as the key in latest.json: `hit-path`. */
  readonly id: string
  /** Without a number: the report numbers scenarios by `order` (see {@link numberedTitle}). */
  readonly title: string
  /** Position in the report, unique among the scenarios; the scenario's number is its rank by this. */
  readonly order: number
  /** What it measures, one line for the scenario table of bench/README.md (`npm run bench:readme`). */
  readonly measures: string
  /** What it is measured against, for the same table. */
  readonly against: string
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
    // A number in the title would be a second copy of the scenario's position, free to drift.
    !/^\d/.test(candidate.title) &&
    typeof candidate.run === 'function' &&
    typeof candidate.order === 'number' &&
    typeof candidate.measures === 'string' &&
    typeof candidate.against === 'string'
  )
}

/**
 * The scenarios in report order (by `order`), refusing two with the same id or order: the
 * number of each, and of every reference to it, comes from this one sort.
 */
export function inReportOrder(scenarios: readonly Scenario[]): Scenario[] {
  const sorted = [...scenarios].sort((a, b) => a.order - b.order)
  for (let i = 1; i < sorted.length; i++) {
    const [before, after] = [sorted[i - 1], sorted[i]]
    if (before?.order === after?.order) throw new Error(`Scenarios ${before?.id ?? ''} and ${after?.id ?? ''} have the same order`)
  }
  const ids = new Set(sorted.map((s) => s.id))
  if (ids.size !== sorted.length) throw new Error('Two scenarios have the same id')
  return sorted
}

/** `3. Mixed workload: ...`: the scenario's title with its number in `ordered` (from {@link inReportOrder}). */
export function numberedTitle(scenario: Scenario, ordered: readonly Scenario[]): string {
  return `${ordered.indexOf(scenario) + 1}. ${scenario.title}`
}

/** The scenario table of bench/README.md, one row per scenario in report order. */
export function scenarioTable(ordered: readonly Scenario[]): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|')
  return [
    '| # | Scenario (`--only=`) | Measures | Against |',
    '|---|---|---|---|',
    ...ordered.map((s, i) => `| ${i + 1} | [\`${s.id}\`](scenarios/${s.id}.ts): ${cell(s.title)} | ${cell(s.measures)} | ${cell(s.against)} |`),
  ].join('\n')
}

/** The markers around the generated table in bench/README.md. */
export const SCENARIO_TABLE_START = '<!-- scenario table: written by `npm run bench:readme` from bench/scenarios; do not edit -->'
export const SCENARIO_TABLE_END = '<!-- end of the scenario table -->'

/** The table between the markers of `markdown`; a `markdown` without both markers is an error. */
export function scenarioTableOf(markdown: string): string {
  const start = markdown.indexOf(SCENARIO_TABLE_START)
  const end = markdown.indexOf(SCENARIO_TABLE_END)
  if (start < 0 || end < start) throw new Error('bench/README.md lacks the scenario table markers')
  return markdown.slice(start + SCENARIO_TABLE_START.length, end).trim()
}

/** `markdown` with the table between its markers replaced by `table`. */
export function replaceScenarioTable(markdown: string, table: string): string {
  const current = scenarioTableOf(markdown)
  const start = markdown.indexOf(SCENARIO_TABLE_START) + SCENARIO_TABLE_START.length
  const end = markdown.indexOf(SCENARIO_TABLE_END)
  return current === table ? markdown : `${markdown.slice(0, start)}\n${table}\n${markdown.slice(end)}`
}
