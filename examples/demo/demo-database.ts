import SQLite from 'better-sqlite3'
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely'
import { createPool } from 'mysql2'
import { createContactsTable } from 'contact-repository'

/** The demo's database: where it is, and whether the demo seeded it. */
export interface DemoDatabase {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is configurable
  readonly db: Kysely<any>
  readonly table: string
  /** For the banner: "SQLite in memory" or the MySQL URL without its password. */
  readonly description: string
  /** Whether the table was empty and got the demo rows. */
  readonly seeded: boolean
}

const CREATED = '2026-03-01 12:00:00.000'

/** Demo contacts. IDs are global, as in the reference table: 6 to 8 belong to tenant 2. */
const CONTACTS = [
  { id: 1, tenant_id: 1, first_name: 'Ada', last_name: 'Lovelace', company_name: null, email: 'ada@acme.example', phone: '+44 20 7946 0001', type: 'person' },
  { id: 2, tenant_id: 1, first_name: 'Charles', last_name: 'Babbage', company_name: null, email: 'charles@acme.example', phone: null, type: 'person' },
  { id: 3, tenant_id: 1, first_name: null, last_name: null, company_name: 'Analytical Engines Ltd', email: 'hello@engines.example', phone: null, type: 'company' },
  { id: 4, tenant_id: 1, first_name: 'Grace', last_name: 'Hopper', company_name: 'Navy', email: null, phone: null, type: 'person' },
  { id: 5, tenant_id: 1, first_name: 'Alan', last_name: 'Turing', company_name: null, email: 'alan@acme.example', phone: null, type: 'person' },
  { id: 6, tenant_id: 2, first_name: 'Katherine', last_name: 'Johnson', company_name: null, email: 'katherine@globex.example', phone: null, type: 'person' },
  { id: 7, tenant_id: 2, first_name: 'Dorothy', last_name: 'Vaughan', company_name: null, email: null, phone: '+1 555 0107', type: 'person' },
  { id: 8, tenant_id: 2, first_name: null, last_name: null, company_name: 'Globex', email: 'info@globex.example', phone: null, type: 'company' },
].map((contact) => ({ ...contact, created_at: CREATED, updated_at: CREATED }))

/**
 * Opens the demo database: MySQL/MariaDB when `mysqlUrl` is set, otherwise SQLite in memory,
 * so that the demo runs on a machine without a database server. Creates the table if needed
 * and seeds it if it is empty.
 */
export async function openDemoDatabase(mysqlUrl: string | undefined, table: string): Promise<DemoDatabase> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is configurable
  let db: Kysely<any>
  let description: string
  if (mysqlUrl === undefined || mysqlUrl === '') {
    db = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) })
    description = 'SQLite in memory'
  } else {
    db = new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: mysqlUrl, connectionLimit: 4 }) }) })
    const shown = new URL(mysqlUrl)
    if (shown.password !== '') shown.password = '***'
    description = `MySQL at ${shown.toString()}, table ${table}`
  }
  try {
    await createContactsTable(db, { table })
    const { count } = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow()
    const seeded = Number(count) === 0
    if (seeded) await db.insertInto(table).values(CONTACTS).execute()
    return { db, table, description, seeded }
  } catch (error) {
    await db.destroy()
    throw error
  }
}
