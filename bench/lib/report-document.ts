import type { Environment } from './environment.js'
import type { ScenarioReport, TargetCheck } from './scenario.js'

/** One scenario's outcome in a run. */
export interface ScenarioOutcome {
  readonly id: string
  readonly title: string
  readonly seconds: number
  /** Absent when the scenario threw. */
  readonly report?: ScenarioReport
  readonly error?: string
  /** SVG files written for its charts, relative to the results directory. */
  readonly chartFiles: readonly { readonly title: string; readonly file: string }[]
}

/** Everything one `npm run bench` produced: what latest.json holds. */
export interface RunDocument {
  readonly quick: boolean
  readonly seconds: number
  readonly environment: Environment
  readonly scenarios: readonly ScenarioOutcome[]
}

/** The run as JSON: environment, every target with its status, every scenario's figures. */
export function renderJson(run: RunDocument): string {
  const targets = run.scenarios.flatMap((s) => (s.report?.targets ?? []).map((t) => ({ scenario: s.id, ...t, status: status(t) })))
  return `${JSON.stringify({ ...run, targets }, null, 2)}\n`
}

/** The run as Markdown: machine, targets met or missed, then each scenario's tables and charts. */
export function renderMarkdown(run: RunDocument): string {
  const env = run.environment
  const lines: string[] = [
    `# Benchmark results${run.quick ? ' (quick smoke run: figures not meaningful)' : ''}`,
    '',
    `Written by \`npm run bench${run.quick ? ':quick' : ''}\` on ${env.date} in ${Math.round(run.seconds)} s. Every ratio compares`,
    'figures measured in this same run, on the same data, with contenders interleaved. Targets are reported',
    'here as met or missed, never asserted by the test suite.',
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${env.cpu}, ${env.cores} cores (shared) |`,
    `| Memory | ${env.memoryGiB} GiB |`,
    `| OS | ${env.os} |`,
    `| Load average at start | ${env.loadAverage.join(' / ')} |`,
    `| Node | ${env.node} (V8 ${env.v8}) |`,
    `| Database | MariaDB ${env.database}, loopback TCP |`,
    `| Packages | ${Object.entries(env.packages).map(([name, version]) => `${name} ${version}`).join(', ')} |`,
    `| Commit | ${env.commit} |`,
    '',
    '## Targets',
    '',
    '| Scenario | Target | Measured | Status |',
    '|---|---|---|---|',
  ]
  for (const scenario of run.scenarios) {
    for (const target of scenario.report?.targets ?? []) {
      lines.push(`| ${cell(scenario.title)} | ${cell(target.target)} | ${cell(target.measured)} | ${statusLabel(target)} |`)
    }
    if (scenario.error !== undefined) lines.push(`| ${cell(scenario.title)} | (scenario failed) | ${cell(scenario.error)} | not measured |`)
  }
  for (const scenario of run.scenarios) {
    lines.push('', `## ${scenario.title}`, '', `*${Math.round(scenario.seconds)} s.*`, '')
    if (scenario.error !== undefined) {
      lines.push('**This scenario failed:**', '', '```', scenario.error, '```')
      continue
    }
    const report = scenario.report
    if (report === undefined) continue
    for (const sentence of report.method) lines.push(`- ${sentence}`)
    for (const table of report.tables) {
      lines.push('', `**${table.title}**`, '')
      lines.push(`| ${table.columns.map(cell).join(' | ')} |`)
      lines.push(`|${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`)
      for (const row of table.rows) lines.push(`| ${row.map((value) => cell(value === null ? '–' : String(value))).join(' | ')} |`)
      if (table.note !== undefined) lines.push('', table.note)
    }
    for (const chart of scenario.chartFiles) lines.push('', `![${chart.title}](${chart.file})`)
  }
  lines.push('')
  return lines.join('\n')
}

function status(target: TargetCheck): 'met' | 'missed' | 'not measured' {
  return target.met === undefined ? 'not measured' : target.met ? 'met' : 'missed'
}

function statusLabel(target: TargetCheck): string {
  const s = status(target)
  return s === 'missed' ? '**missed**' : s
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
