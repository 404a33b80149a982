import { defineConfig } from 'vitest/config'
import { UNIT_TESTS, UNREACHABLE_SERVERS } from './test/projects.js'

/**
 * Which test files a mutation run executes (docs/mutation-testing.md, "How to run"):
 * - unset: every in-process suite below, servers included;
 * - `unit`: only the unit project's files (no server), a first, fast pass over a file that every
 *   database suite reaches; its score is a lower bound;
 * - comma-separated globs (`test/http/**,test/unit/**`): a scoped pass, the suites of the
 *   concept a file belongs to, servers included. Also a lower bound, since the suites left out
 *   could only detect more; it makes a file measurable in minutes where the whole suite, rerun
 *   for each mutant its entry point reaches, takes hours.
 */
const selection = process.env.MUTATION_TESTS
const unitOnly = selection === 'unit'
const scoped = selection !== undefined && selection !== '' && !unitOnly ? selection.split(',') : undefined

/**
 * The test files Stryker runs against each mutant (`npm run mutation`, see stryker.config.mjs).
 *
 * Standalone on purpose: it repeats the two settings of vitest.config.ts that the tests need
 * (the `paths` resolution and the MariaDB check) instead of importing that file, so that
 * reshaping the main config (into vitest projects, for one) does not change what a mutation
 * run executes. Stryker's vitest runner forces its own pool (`threads`, one worker), so the
 * main config's pool and worker settings would be overridden here anyway.
 */
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: unitOnly ? [...UNIT_TESTS] : (scoped ?? ['test/**/*.test.ts']),
    /**
     * Left out of mutation runs: each is slow per run, and every mutant it covers would rerun it.
     * They are not needed for the score of the core: the mutated code is exercised by the
     * in-process suites that remain.
     * - test/binlog, but for its pure units (units.test.ts, unit-rules.test.ts), the bus's side
     *   of the source and the lease (bus-source.test.ts, lease.test.ts, Redis only): starts a
     *   binlog stream per test, fleets of child processes, waits on the server's replication
     *   events.
     * - test/redis/processes and propagation: five-process fleets and a timed propagation run.
     * - test/faults/database-slow: waits out slowed queries on purpose (about 9 s a run).
     * - test/package: builds and imports the packed entry points.
     * - test/bench: the benchmarks' own helpers (trace replay, simulations), not src/.
     * - test/http/demo: starts the demo server as a child process.
     * - test/mysql/prepared-statements: restarts sessions and waits on the server's statement cache.
     * A scoped pass names its files itself, so none is left out there: that is how the binlog
     * source's files, reached only by the private-MariaDB suites, are measured.
     */
    exclude: scoped ? [] : [
      'test/binlog/events.test.ts',
      'test/binlog/faults.test.ts',
      'test/binlog/fleet.test.ts',
      'test/binlog/refusal.test.ts',
      'test/binlog/stream-start.test.ts',
      'test/binlog/source-rules.test.ts',
      'test/binlog/visibility-race.test.ts',
      'test/redis/processes.test.ts',
      'test/redis/propagation.test.ts',
      'test/faults/database-slow.test.ts',
      'test/package/**',
      'test/bench/**',
      'test/http/demo.test.ts',
      'test/mysql/prepared-statements.test.ts',
    ],
    // Tells the few tests too slow under instrumentation to stand aside (each says why).
    // In the unit pass, the unit project's unreachable servers: a test that needs one fails.
    env: { MUTATION_RUN: '1', ...(unitOnly ? UNREACHABLE_SERVERS : {}) },
    // Same check as `npm test`: a database suite that cannot reach its server fails, never skips.
    globalSetup: unitOnly ? [] : ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    allowOnly: false,
  },
})
