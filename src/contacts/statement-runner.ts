import type { Kysely } from 'kysely'

/**
 * Runs one statement as a server-side prepared statement (mysql2's `execute`): the server
 * parses it once per connection, the values travel bound in the binary protocol, and rows
 * come back as arrays in select-list order.
 */
export interface StatementRunner {
  /**
   * Runs `sql` with `values` bound to its `?` placeholders and calls `callback` exactly once,
   * with the rows or the error.
   */
  execute(sql: string, values: readonly unknown[], callback: (error: unknown, rows: unknown) => void): void
}

/**
 * The key under which a Kysely adapter offers a {@link StatementRunner} for the pool its
 * dialect sends queries to. Only `contact-repository/mysql`'s dialects set it. The symbol is
 * private to this copy of the package, so a runner from another copy (with possibly another
 * contract) is never picked up.
 */
export const STATEMENT_RUNNER: unique symbol = Symbol('contact-repository.statementRunner')

/** An adapter that offers a runner; see {@link STATEMENT_RUNNER}. */
export interface StatementRunnerCarrier {
  readonly [STATEMENT_RUNNER]: StatementRunner
}

/**
 * The runner `db`'s dialect offers, when the repository may use it: never inside a
 * transaction (the runner would take another connection than the transaction's), and never
 * when the instance has plugins (they expect to see, and may rewrite, every query and result).
 */
export function statementRunnerOf(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any table name
): StatementRunner | undefined {
  if (db.isTransaction) return undefined
  const executor = db.getExecutor()
  if (executor.plugins.length > 0) return undefined
  const runner = (executor.adapter as Partial<StatementRunnerCarrier>)[STATEMENT_RUNNER]
  return typeof runner?.execute === 'function' ? runner : undefined
}
