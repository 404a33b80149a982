/*
 * Writes the scenario table of bench/README.md from bench/scenarios (each scenario's order,
 * title, `measures` and `against`), between the markers around it:
 *
 *   npm run bench:readme
 *
 * test/unit/bench-readme.test.ts fails while the table differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadScenarios } from './lib/load-scenarios.js'
import { replaceScenarioTable, scenarioTable } from './lib/scenario.js'

const readme = new URL('./README.md', import.meta.url)
const before = readFileSync(readme, 'utf8')
const after = replaceScenarioTable(before, scenarioTable(await loadScenarios()))
if (after === before) console.error(`${fileURLToPath(readme)}: the scenario table is up to date`)
else {
  writeFileSync(readme, after)
  console.error(`${fileURLToPath(readme)}: scenario table written`)
}
