// Which test files need a server, read by vitest.config.ts (its two projects) and by
// test/unit/unit-project.test.ts (which checks that the unit files really need none).
//
// Folders say what a file proves (test/README.md); the projects say what it needs. A file runs
// in the integration project, with MariaDB and Redis, unless it is listed here: a new file
// anywhere but test/unit gets the servers by default, and moves to the unit project by being
// added to SERVER_FREE_FILES once it is known to need none.

/** Every test file. */
export const ALL_TESTS = 'test/**/*.test.ts'

/** Pure-logic tests outside test/unit: they import no server helper and open no connection. */
export const SERVER_FREE_FILES: readonly string[] = [
  'test/bench/belady.test.ts',
  'test/bench/hit-rate-simulation.test.ts',
  'test/bench/multi-tenant-trace.test.ts',
  'test/bench/percentiles.test.ts',
  'test/bench/replay.test.ts',
  'test/bench/scenarios.test.ts',
  'test/bench/svg-chart.test.ts',
  'test/bench/trace-file.test.ts',
  'test/bench/trace-replay.test.ts',
  'test/bench/uniform-scan.test.ts',
  'test/bench/zipf-sampler.test.ts',
  'test/binlog/session-rules.test.ts',
  'test/binlog/unit-rules.test.ts',
  'test/binlog/units.test.ts',
  'test/http/id-rules.test.ts',
  'test/package/entry-points.test.ts',
  'test/package/moved-exports.test.ts',
  'test/package/package-json.test.ts',
  'test/redis/message-format.test.ts',
  'test/redis/retry-queue.test.ts',
  'test/redis/staleness-checker.test.ts',
  'test/redis/trust-monitor.test.ts',
]

/** The unit project: test/unit, whole, and the files above. */
export const UNIT_TESTS: readonly string[] = ['test/unit/**/*.test.ts', ...SERVER_FREE_FILES]

/**
 * The server addresses the unit project runs with (test/helpers/env.ts reads them): port 9 on
 * loopback, where nothing listens, so a connection is refused at once.
 */
export const UNREACHABLE_SERVERS = {
  MYSQL_URL: 'mysql://root@127.0.0.1:9/unreachable',
  REDIS_URL: 'redis://127.0.0.1:9',
} as const
