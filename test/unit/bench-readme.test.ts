// bench/README.md's scenario table is generated from bench/scenarios (`npm run bench:readme`),
// and the scenarios' numbers from their `order`: this fails while the checked-in table differs
// from what the script writes, so that neither can drift from the scenarios. Imports the
// scenario modules without running them: no server.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadScenarios } from '../../bench/lib/load-scenarios.js'
import { inReportOrder, numberedTitle, scenarioTable, scenarioTableOf, type Scenario } from '../../bench/lib/scenario.js'

const scenarios = await loadScenarios()
const readme = readFileSync(new URL('../../bench/README.md', import.meta.url), 'utf8')

describe('bench scenarios and bench/README.md', () => {
  it('lists every scenario, hit path to binlog staleness', () => {
    expect(scenarios.map((s) => s.id)).toEqual(expect.arrayContaining([
      'hit-path', 'miss-path', 'mixed-workload', 'noisy-neighbour', 'concurrency', 'memory', 'real-traces',
      'propagation-delay', 'http', 'binlog-staleness',
    ]))
  })

  it('has the table `npm run bench:readme` writes', () => {
    expect(scenarioTableOf(readme)).toBe(scenarioTable(scenarios))
  })

  it('numbers scenarios by their order, and refuses two with the same order', () => {
    expect(scenarios.map((s) => numberedTitle(s, scenarios).split('.')[0])).toEqual(scenarios.map((_, i) => String(i + 1)))
    const [first, second] = scenarios as [Scenario, Scenario]
    expect(() => inReportOrder([first, { ...second, order: first.order }])).toThrow(/have the same order/)
  })
})
