import { runPropagationDelay, type Stats } from '../propagation-delay.js'
import { formatNumber } from '../lib/format.js'
import type { Scenario } from '../lib/scenario.js'

const ms = (value: number): string => `${value.toFixed(2)} ms`

/** Issue 5's propagation delay, measured by bench/propagation-delay.ts, in the common report. */
const scenario: Scenario = {
  id: 'propagation-delay',
  title: 'Propagation delay: invalidations across processes over Redis pub/sub',
  order: 7,
  measures: 'delay from `invalidate()` on a writer to each of 4 reader processes applying it, over Redis pub/sub; a burst of invalidations',
  against: 'its own figures: p50, p99 and max per measure',
  async run({ quick, log }) {
    log('starting 1 writer and 4 reader processes')
    const { data } = await runPropagationDelay({ quick })
    const row = (label: string, stats: Stats): (string | number)[] => [label, ms(stats.p50), ms(stats.p99), ms(stats.max), stats.samples]
    return {
      method: [
        `One writer (this process) and ${data.readers} reader processes, each with its own repository and Redis bus, on a fresh channel of the Redis at REDIS_URL, over loopback. No database: only the bus is measured.`,
        `${formatNumber(data.samples)} invalidations one at a time (2 ms apart), each timed from the writer's invalidate() call (and from the moment it settled) to the moment each reader's repository applied it, on a clock all processes share; then a burst of ${formatNumber(data.burst.size)} issued at once.`,
      ],
      tables: [
        {
          title: `Invalidation delay, 1 writer and ${data.readers} readers`,
          columns: ['measure', 'p50', 'p99', 'max', 'samples'],
          rows: [
            row('writer: invalidate() settled (PUBLISH acknowledged)', data.settle),
            row('one reader applied it, after invalidate() was called', data.afterCall),
            row('one reader applied it, after invalidate() settled', data.afterSettle),
            row(`all ${data.readers} readers applied it, after invalidate() was called`, data.allReaders),
          ],
          note: `Burst: ${formatNumber(data.burst.size)} invalidations issued at once settled in ${ms(data.burst.settledMs)}; every reader had applied all of them ${ms(data.burst.drainMs)} after the first was issued.`,
        },
      ],
      targets: [],
      charts: [
        {
          kind: 'bars',
          id: 'latency',
          title: 'Invalidation propagation delay over Redis pub/sub (ms, p50 and p99)',
          unit: 'ms',
          groups: [
            { label: 'one reader', bars: [{ label: 'p50', value: data.afterCall.p50 }, { label: 'p99', value: data.afterCall.p99 }] },
            { label: `all ${data.readers} readers`, bars: [{ label: 'p50', value: data.allReaders.p50 }, { label: 'p99', value: data.allReaders.p99 }] },
          ],
        },
      ],
      figures: { ...data },
    }
  },
}

export default scenario
