import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely'

/**
 * Holds a query's result after the database answered and before the caller gets it, so a test
 * can interleave deterministically: the query has read the old row, something happens, and
 * only then does the repository receive the rows.
 */
export class QueryGate {
  /** When set, the next commit fails (after the statements ran, before COMMIT is sent). */
  failNextCommit = false
  #armed = false
  #onHeld: (() => void) | undefined
  #release: (() => void) | undefined

  /** Holds the next matching query's result; resolves once it is held. */
  holdNext(): Promise<void> {
    this.#armed = true
    return new Promise((resolve) => { this.#onHeld = resolve })
  }

  /** Lets the held result through. */
  release(): void {
    const release = this.#release
    this.#release = undefined
    release?.()
  }

  /** @internal Called by the gated connection after the database answered. */
  async pass(query: CompiledQuery): Promise<void> {
    if (!this.#armed || !query.sql.startsWith('select')) return
    this.#armed = false
    await new Promise<void>((resolve) => {
      this.#release = resolve
      this.#onHeld?.()
    })
  }
}

/** `inner` with every connection's results passing through `gate`. */
export function gatedDialect(inner: Dialect, gate: QueryGate): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver: (): Driver => {
      const driver = inner.createDriver()
      const gated = new WeakSet<DatabaseConnection>()
      return {
        init: () => driver.init(),
        async acquireConnection() {
          const connection = await driver.acquireConnection()
          if (!gated.has(connection)) {
            gated.add(connection)
            const execute = connection.executeQuery.bind(connection)
            connection.executeQuery = async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
              const result = await execute<R>(query)
              await gate.pass(query)
              return result
            }
          }
          return connection
        },
        beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
        commitTransaction: (connection) => {
          if (gate.failNextCommit) {
            gate.failNextCommit = false
            return Promise.reject(new Error('connection lost during COMMIT (simulated)'))
          }
          return driver.commitTransaction(connection)
        },
        rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
        releaseConnection: (connection) => driver.releaseConnection(connection),
        destroy: () => driver.destroy(),
      }
    },
  }
}
