import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isScenario } from '../../bench/lib/scenario.js'

// bench/run.ts runs every file of bench/scenarios/; a file that is not a Scenario breaks the run.
const dir = new URL('../../bench/scenarios/', import.meta.url)
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))

describe('bench/scenarios', () => {
  it('holds the six original scenarios at least', () => {
    expect(files).toEqual(expect.arrayContaining(['hit-path.ts', 'miss-path.ts', 'mixed-workload.ts', 'noisy-neighbour.ts', 'concurrency.ts', 'memory.ts']))
  })

  it.each(files)('%s default-exports a Scenario with a unique id', async (file) => {
    const module = (await import(new URL(file, dir).href)) as { default?: unknown }
    expect(isScenario(module.default)).toBe(true)
    const ids = await Promise.all(files.map(async (f) => ((await import(new URL(f, dir).href)) as { default: { id: string } }).default.id))
    expect(ids.filter((id) => id === (module.default as { id: string }).id)).toHaveLength(1)
  })

  it('recognises what is not a Scenario', () => {
    expect(isScenario({ id: 'Bad Id', title: 't', run: () => undefined })).toBe(false)
    expect(isScenario({ id: 'ok', title: 't' })).toBe(false)
    expect(isScenario({ id: 'ok', title: 't', order: '1', run: () => undefined })).toBe(false)
    expect(isScenario(null)).toBe(false)
  })
})
