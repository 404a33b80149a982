import { sql, type Kysely } from 'kysely'
import type { ContactRow } from './contact-row.js'

/**
 * Selects one tenant's contacts by ID in one statement:
 * `select ... from <table> where tenant_id = ? and id in (?, ...)`.
 *
 * Dates are cast to text in SQL so the driver never builds a `Date` in its own time zone
 * (see `toUtcIsoString`). Every value is a bound parameter; the table name was checked
 * against {@link TABLE_NAME} when the repository was built.
 */
export function selectContacts(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any table name
  table: string,
  tenantId: number,
  ids: readonly number[],
): Promise<ContactRow[]> {
  return db
    .selectFrom(table)
    .select([
      'id',
      'tenant_id',
      'first_name',
      'last_name',
      'company_name',
      'email',
      'phone',
      'type',
      sql<string>`cast(${sql.ref('created_at')} as char)`.as('created_at'),
      sql<string>`cast(${sql.ref('updated_at')} as char)`.as('updated_at'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .execute()
}

/** A table name, optionally schema-qualified: letters, digits and `_`, not starting with a digit. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63})?$/
