/*
 * Runs every scenario of bench/scenarios/ (each file default-exports a Scenario) and writes
 * results/latest.json, results/latest.md and one SVG per chart.
 *
 *   npm run bench                      all scenarios, full size (how long: bench/README.md)
 *   npm run bench:quick                all scenarios, briefly: a smoke test; writes results/quick/
 *   npm run bench -- --only=hit-path   some scenarios; writes results/partial/
 *
 * Missed targets never fail the run: a scenario that throws does (exit code 1).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dropOpenTables } from './lib/bench-table.js'
import { describeEnvironment } from './lib/environment.js'
import { renderJson, renderMarkdown, type ScenarioOutcome } from './lib/report-document.js'
import { loadScenarios } from './lib/load-scenarios.js'
import { numberedTitle } from './lib/scenario.js'
import { renderChart } from './lib/svg-chart.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean)
const unknown = args.filter((a) => a !== '--quick' && !a.startsWith('--only='))
if (unknown.length > 0) {
  console.error(`Unknown arguments: ${unknown.join(' ')}\nUsage: tsx bench/run.ts [--quick] [--only=id,id]`)
  process.exit(2)
}
const outDir = new URL(quick ? './results/quick/' : only !== undefined ? './results/partial/' : './results/', import.meta.url)

const started = performance.now()
const log = (message: string): void => {
  console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: dropping the benchmark tables`)
    void dropOpenTables().finally(() => process.exit(130))
  })
}

const scenarios = await loadScenarios()
if (only !== undefined) {
  const missing = only.filter((id) => !scenarios.some((s) => s.id === id))
  if (missing.length > 0) {
    console.error(`No scenario ${missing.join(', ')}; there are: ${scenarios.map((s) => s.id).join(', ')}`)
    process.exit(2)
  }
}
const selected = only === undefined ? scenarios : scenarios.filter((s) => only.includes(s.id))
const environment = await describeEnvironment()
log(`${selected.length} scenarios${quick ? ', quick' : ''}; node ${environment.node}, MariaDB ${environment.database}`)

mkdirSync(outDir, { recursive: true })
const outcomes: ScenarioOutcome[] = []
for (const scenario of selected) {
  const scenarioStart = performance.now()
  log(`${scenario.id}: start`)
  try {
    const report = await scenario.run({ quick, log: (message) => { log(`${scenario.id}: ${message}`) } })
    const chartFiles = report.charts.map((chart) => {
      const file = `${scenario.id}-${chart.id}.svg`
      writeFileSync(new URL(file, outDir), renderChart(chart))
      return { title: chart.title, file }
    })
    outcomes.push({ id: scenario.id, title: numberedTitle(scenario, scenarios), seconds: (performance.now() - scenarioStart) / 1000, report, chartFiles })
    for (const target of report.targets) {
      log(`${scenario.id}: ${target.met === undefined ? 'n/a   ' : target.met ? 'met   ' : 'MISSED'} ${target.target}: ${target.measured}`)
    }
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    log(`${scenario.id}: FAILED\n${message}`)
    outcomes.push({ id: scenario.id, title: numberedTitle(scenario, scenarios), seconds: (performance.now() - scenarioStart) / 1000, error: message, chartFiles: [] })
  }
  log(`${scenario.id}: done in ${((performance.now() - scenarioStart) / 1000).toFixed(1)} s`)
}
await dropOpenTables()

const document = { quick, seconds: (performance.now() - started) / 1000, environment, scenarios: outcomes }
writeFileSync(new URL('latest.json', outDir), renderJson(document))
writeFileSync(new URL('latest.md', outDir), renderMarkdown(document))
log(`wrote ${fileURLToPath(new URL('latest.md', outDir))}`)
if (outcomes.some((o) => o.error !== undefined)) process.exitCode = 1
