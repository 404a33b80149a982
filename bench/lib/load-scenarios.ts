import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { inReportOrder, isScenario, type Scenario } from './scenario.js'

/**
 * Every bench/scenarios/*.ts, in report order. A file that is not a scenario, or whose name is
 * not its scenario's id (the id is how `--only=` and the README's table find it), is an error.
 */
export async function loadScenarios(): Promise<Scenario[]> {
  const dir = new URL('../scenarios/', import.meta.url)
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort()
  const found: Scenario[] = []
  for (const file of files) {
    const module = (await import(pathToFileURL(fileURLToPath(new URL(file, dir))).href)) as { default?: unknown }
    if (!isScenario(module.default)) throw new Error(`bench/scenarios/${file} must default-export a Scenario (see bench/lib/scenario.ts)`)
    if (`${module.default.id}.ts` !== file) throw new Error(`bench/scenarios/${file} holds the scenario ${module.default.id}: name the file after its id`)
    found.push(module.default)
  }
  return inReportOrder(found)
}
