import type { Kysely } from 'kysely'
import { contactRowOf, type ContactRecord, type ContactRow } from './contact-row.js'
import {
  compileContactsSelect,
  paddedSizeIndex,
  paddedSizes,
  selectContacts,
  type ContactsStatement,
  type DateText,
} from './contacts-query.js'
import { statementRunnerOf, type StatementRunner } from './statement-runner.js'

/**
 * How a {@link ContactsReader} sends the select.
 * - `'prepared'`: as a prepared statement through mysql2's `execute`, on the pool of a
 *   dialect from `contact-repository/mysql`; kysely is not involved per call.
 * - `'compiled'`: through kysely (any dialect: SQLite, kysely's own `MysqlDialect`...),
 *   with the statement compiled once per padded size.
 * - `'built'`: through kysely, built and compiled per call, exactly as the instance's
 *   plugins expect (they see, and may rewrite, every query and result).
 */
export type ContactsReadMode = 'prepared' | 'compiled' | 'built'

/** Runs the contacts select for the batch loader. */
export interface ContactsReader {
  readonly mode: ContactsReadMode
  /**
   * Selects the tenant's rows among 1 to `maxBatchSize` distinct `ids`, in one statement,
   * positional (see `ContactRow`); decode each with `decodeContactRow(row, tenantId)`.
   * Rejects with the driver's error as it is.
   */
  readonly read: (tenantId: number, ids: readonly number[]) => Promise<readonly ContactRow[]>
}

/**
 * Picks how to send the select for `db` (see {@link ContactsReadMode}): prepared statements
 * when its dialect offers a statement runner and nothing forbids it, kysely otherwise, with
 * the same answers. Statements are compiled lazily, once per padded size used.
 */
export function createContactsReader(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any table name
  table: string,
  maxBatchSize: number,
): ContactsReader {
  if (db.getExecutor().plugins.length > 0) {
    return {
      mode: 'built',
      read: async (tenantId, ids) => {
        const records = await selectContacts(db, table, tenantId, ids, 'cast').execute()
        return (records as ContactRecord[]).map(contactRowOf)
      },
    }
  }
  const runner = statementRunnerOf(db)
  const statements = new PaddedStatements(db, table, maxBatchSize, runner === undefined ? 'cast' : 'iso')
  if (runner !== undefined) {
    // kysely's db.destroy() ends the pool only if kysely itself ever took a connection from
    // it; the first read has it take one (and give it back), or the pool would outlive it.
    let opened: Promise<unknown> | undefined
    return {
      mode: 'prepared',
      read: (tenantId, ids) => {
        let statement: ContactsStatement
        try {
          statement = statements.for(ids.length)
        } catch (error) {
          return Promise.reject(error)
        }
        const values = statement.bind(tenantId, ids)
        if (opened === undefined) {
          opened = db.connection().execute(() => Promise.resolve())
          return opened.then(() => readPrepared(runner, statement.compiled.sql, values))
        }
        return readPrepared(runner, statement.compiled.sql, values)
      },
    }
  }
  return {
    mode: 'compiled',
    read: async (tenantId, ids) => {
      const statement = statements.for(ids.length)
      const result = await db.executeQuery<ContactRecord>({ ...statement.compiled, parameters: statement.bind(tenantId, ids) })
      return result.rows.map(contactRowOf)
    },
  }
}

/** The statement of each padded size, compiled the first time a batch needs it. */
class PaddedStatements {
  readonly #db: Kysely<any> // eslint-disable-line @typescript-eslint/no-explicit-any -- any table name
  readonly #table: string
  readonly #dates: DateText
  readonly #maxBatchSize: number
  readonly #sizes: readonly number[]
  readonly #compiled: (ContactsStatement | undefined)[]

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table name
  constructor(db: Kysely<any>, table: string, maxBatchSize: number, dates: DateText) {
    this.#db = db
    this.#table = table
    this.#dates = dates
    this.#maxBatchSize = maxBatchSize
    this.#sizes = paddedSizes(maxBatchSize)
    this.#compiled = this.#sizes.map(() => undefined)
  }

  /** The statement for a batch of `n` IDs. */
  for(n: number): ContactsStatement {
    // Beyond maxBatchSize the last statement would silently leave IDs out.
    if (!(n >= 1 && n <= this.#maxBatchSize)) {
      throw new RangeError(`A batch holds 1 to ${this.#maxBatchSize} IDs; got ${n}`)
    }
    const index = paddedSizeIndex(n)
    let statement = this.#compiled[index]
    if (statement === undefined) {
      statement = compileContactsSelect(this.#db, this.#table, this.#sizes[index] as number, this.#dates)
      this.#compiled[index] = statement
    }
    return statement
  }
}

function readPrepared(runner: StatementRunner, sql: string, values: readonly unknown[]): Promise<readonly ContactRow[]> {
  return new Promise((resolve, reject) => {
    runner.execute(sql, values, (error, rows) => {
      if (error instanceof Error) reject(error)
      else if (error !== null && error !== undefined) reject(new Error('The prepared contacts select failed', { cause: error }))
      else if (Array.isArray(rows)) resolve(rows as ContactRow[])
      else reject(new TypeError(`The prepared contacts select returned ${typeof rows} instead of rows`))
    })
  })
}
