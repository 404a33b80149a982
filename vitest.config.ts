import { defineConfig } from 'vitest/config'
import { ALL_TESTS, UNIT_TESTS, UNREACHABLE_SERVERS } from './test/projects.js'

export default defineConfig({
  // The examples import the package by name; tsconfig.json's `paths` map it to src/.
  resolve: { tsconfigPaths: true },
  test: {
    pool: 'forks',
    // Two cores: more workers only add contention to the database-bound files.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A suite that cannot reach its server must fail, never be skipped.
    allowOnly: false,
    // The JSON report is what .ci/run reads its "tests: N passed, M failed" line from; with
    // both projects in one run (`npm test`) it covers every test.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
    // Split by what a file needs, not by what it proves (folders do that: test/README.md).
    // Each project inherits everything above; `include` and `globalSetup` are kept out of the
    // root, which the projects would otherwise add to their own.
    projects: [
      {
        extends: true,
        test: {
          // No server: `npm run test:unit` runs with MariaDB and Redis stopped, in under a minute.
          name: 'unit',
          include: [...UNIT_TESTS],
          // Addresses where nothing listens: a unit test that tries to reach a server fails in
          // every run, instead of passing here because the servers happen to be up.
          env: { ...UNREACHABLE_SERVERS },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [ALL_TESTS],
          exclude: [...UNIT_TESTS],
          // Fails the run at once when MariaDB cannot be reached.
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
})
