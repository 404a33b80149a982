/**
 * The content of every benchmark contact, as a function of its ID, in two forms that must
 * agree: SQL expressions to fill a MariaDB table in one INSERT ... SELECT from the SEQUENCE
 * engine (a million rows in seconds), and the row mysql2 returns for it, for the in-memory
 * database of the hit-rate and heap measurements. A test compares the two.
 */

/** A row as the repository's query returns it from MariaDB (dates cast to text). */
export interface FixtureRow {
  id: number
  tenant_id: number
  first_name: string
  last_name: string
  company_name: string | null
  email: string
  phone: string | null
  type: string
  created_at: string
  updated_at: string
}

export const FIXTURE_CREATED_AT = '2026-03-01 12:00:00.000'
export const FIXTURE_UPDATED_AT = '2026-03-02 08:30:00.250'

/**
 * The row for `id`. With `freshStrings` (the default) every string is copied through a
 * Buffer, so that each one is a fresh, flat string as mysql2 decodes it from the wire, not a
 * rope or a constant shared by every row: the heap measurements depend on it.
 */
export function fixtureRow(id: number, tenantId: number, freshStrings = true): FixtureRow {
  const fresh = freshStrings ? copy : same
  return {
    id,
    tenant_id: tenantId,
    first_name: fresh(`First${id}`),
    last_name: fresh(`Last${id}`),
    company_name: id % 3 === 0 ? fresh(`Company ${id % 1000}`) : null,
    email: fresh(`contact${id}@example.com`),
    phone: id % 2 === 0 ? fresh(`+33 1 ${String(id).padStart(8, '0')}`) : null,
    type: fresh('person'),
    created_at: fresh(FIXTURE_CREATED_AT),
    updated_at: fresh(FIXTURE_UPDATED_AT),
  }
}

function copy(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1')
}

function same(text: string): string {
  return text
}

/**
 * Column list and SELECT expressions producing {@link fixtureRow} for `idExpression` (an
 * SQL expression of the ID, e.g. `seq + 1000`) and a tenant ID. Only numbers are inlined.
 */
export function fixtureSelectSql(idExpression: string, tenantId: number): { columns: string; select: string } {
  if (!Number.isSafeInteger(tenantId)) throw new TypeError('tenantId must be an integer')
  const id = `(${idExpression})`
  return {
    columns: 'id, tenant_id, first_name, last_name, company_name, email, phone, type, created_at, updated_at',
    select: [
      id,
      String(tenantId),
      `CONCAT('First', ${id})`,
      `CONCAT('Last', ${id})`,
      `IF(${id} % 3 = 0, CONCAT('Company ', ${id} % 1000), NULL)`,
      `CONCAT('contact', ${id}, '@example.com')`,
      `IF(${id} % 2 = 0, CONCAT('+33 1 ', LPAD(${id}, 8, '0')), NULL)`,
      `'person'`,
      `'${FIXTURE_CREATED_AT}'`,
      `'${FIXTURE_UPDATED_AT}'`,
    ].join(', '),
  }
}
