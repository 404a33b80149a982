// G-BUS-PROPAGATION's figure: the propagation delay across processes, measured by the benchmark's own
// code (bench/propagation-delay.ts, quick mode) on the shared Redis. It asserts outcomes only
// (every reader applied every sample) and prints the figures.
import { describe, expect, it } from 'vitest'
import { runPropagationDelay } from '../../bench/propagation-delay.js'

describe('G-BUS-PROPAGATION: propagation delay across processes', () => {
  it('reaches each of 4 reader processes, every sample', async () => {
    const result = await runPropagationDelay({ quick: true })
    console.log(`\n${result.table}`)
    const { data } = result
    expect(result.name).toBe('propagation-delay')
    expect(data.readers).toBeGreaterThanOrEqual(4)
    expect(data.afterCall.samples).toBe(data.samples * data.readers) // nothing missing (it throws otherwise)
    expect(data.allReaders.samples).toBe(data.samples)
    expect(data.writer.queued).toBe(0)
  }, 60_000)
})
