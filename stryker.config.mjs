// @ts-check
/**
 * Mutation testing of the core (`npm run mutation`; docs/mutation-testing.md has the scores and
 * how to run it on the files a change touched). A full run takes far longer than CI's budget:
 * .ci/run mutates only the lines the newest change touched (scripts/mutation-changed.sh --lines).
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  /**
   * The core: what decides which rows a caller gets and when. Left out:
   * - src/http/adapters/**: framework glue (express, fastify, node:http) around the endpoint,
   *   whose decisions live in src/http and are mutated there;
   * - src/index.ts, src/moved-exports.ts and each folder's index.ts: re-exports only;
   * - src/contacts/contact.ts: types only, nothing runs;
   * - src/contacts/contacts.sql is not TypeScript and is not matched.
   * `--mutate <files>` on the command line replaces this list (scripts/mutation-changed.sh).
   */
  mutate: [
    'src/**/*.ts',
    '!src/http/adapters/**',
    '!src/index.ts',
    '!src/moved-exports.ts',
    '!src/*/index.ts',
    '!src/contacts/contact.ts',
  ],
  testRunner: 'vitest',
  vitest: {
    /**
     * A config of its own that leaves out the suites too slow to rerun per mutant (the list and
     * the reasons are in that file). It does not import vitest.config.ts.
     */
    configFile: 'vitest.mutation.config.ts',
    /** Only the test files that import a mutated file (directly or not) run in the dry run. */
    related: true,
  },
  /**
   * Each mutant runs only the tests that executed its code in the dry run: the database-bound
   * suites then rerun for the few mutants they reach, not for every one.
   */
  coverageAnalysis: 'perTest',
  /**
   * Mutants that run while a module loads (constants, default option objects) would need every
   * related test per mutant, database suites included, which does not fit the time a run can
   * take. They are reported as "ignored" and not counted in the score: docs/mutation-testing.md
   * lists how many per file.
   */
  ignoreStatic: true,
  /**
   * Mutants that do not compile (strict TS: a removed branch that leaves a value possibly
   * undefined, a changed literal type) are dropped before any test runs, instead of being
   * counted as killed by a type error at run time.
   */
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  /**
   * Each run keeps its results in .tmp/ (git-ignored, never committed): the next local run only
   * tests mutants whose code or tests changed. CI does not need it: a clean clone has no such
   * file and Stryker then runs every mutant it was given.
   */
  incremental: true,
  incrementalFile: '.tmp/stryker-incremental.json',
  /** The sandboxes Stryker copies the project into; git-ignored with the rest of .tmp/. */
  tempDirName: '.tmp/stryker',
  /** Two cores: one vitest worker each. */
  concurrency: 2,
  /**
   * A mutant's run may take its dry-run time times 1.5 plus 10 s before it is declared a
   * timeout (Stryker's default slack is 5 s). The database suites' times vary with the server's
   * load; a shorter slack turned a few slow runs into false timeouts. A mutant that loops forever
   * is still caught as a timeout.
   */
  timeoutMS: 10_000,
  timeoutFactor: 1.5,
  /** The dry run executes every related suite once, with coverage, in one worker. */
  dryRunTimeoutMinutes: 20,
  /**
   * Stryker copies the project into its sandboxes except these: outputs and local state that no
   * test reads. `bench/results` is copied: the README links its reports and charts, and a unit
   * test checks that every such link exists.
   */
  ignorePatterns: ['dist', 'coverage', 'reports', '.tmp'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  /** Git-ignored (reports/): the summary that is committed is docs/mutation-testing.md. */
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  /** The issue's targets: 90% on the priority files, 85% on the rest of the core. */
  thresholds: { high: 90, low: 85, break: null },
}
