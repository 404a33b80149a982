import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The examples import the package by name; tsconfig.json's `paths` map it to src/.
  resolve: { tsconfigPaths: true },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores: more workers only add contention to the database-bound files.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A suite that cannot reach its server must fail, never be skipped.
    allowOnly: false,
    // The JSON report is what .ci/run reads its "tests: N passed, M failed" line from.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
  },
})
