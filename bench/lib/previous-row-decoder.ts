// The row decoder as it was before issue 10 (commit 451edd1, src/contacts/contact-row.ts),
// frozen here as the baseline of the per-row decoding benchmark in scenarios/miss-path.ts:
// rows keyed by column name as kysely returns them over the text protocol, IDs possibly as
// strings, dates as 'YYYY-MM-DD HH:MM:SS.mmm' text rewritten in JS. Benchmark-only; the
// library's decoder is src/contacts/contact-row.ts.
import type { Contact } from '../../src/contacts/contact.js'
import { ContactRowError } from '../../src/errors.js'

// Only valid rows are timed; a refused one keeps the old error's message and code, with the
// data fields the current decoder fills left as little as the old one knew.
function rowError(message: string, column: string): ContactRowError {
  return new ContactRowError(message, { tenantId: Number.NaN, column })
}

/** The columns `getMany` selects, as the driver returns them (dates already cast to text). */
export interface PreviousContactRow {
  readonly id: unknown
  readonly tenant_id: unknown
  readonly first_name: unknown
  readonly last_name: unknown
  readonly company_name: unknown
  readonly email: unknown
  readonly phone: unknown
  readonly type: unknown
  readonly created_at: unknown
  readonly updated_at: unknown
}

/**
 * Turns one database row into a frozen {@link Contact}, checking every column on the way.
 * A row of another tenant is refused here even though the query already filters on the
 * tenant: a cache that serves many tenants gets this check as its last line of defence.
 */
export function decodeContactRowBefore(row: PreviousContactRow, tenantId: number): Contact {
  const rowTenant = toId(row.tenant_id, 'tenant_id')
  if (rowTenant !== tenantId) {
    throw rowError(`A row of tenant ${rowTenant} came back for tenant ${tenantId}`, 'tenant_id')
  }
  return Object.freeze({
    id: toId(row.id, 'id'),
    firstName: toNullableString(row.first_name, 'first_name'),
    lastName: toNullableString(row.last_name, 'last_name'),
    companyName: toNullableString(row.company_name, 'company_name'),
    email: toNullableString(row.email, 'email'),
    phone: toNullableString(row.phone, 'phone'),
    type: toString(row.type, 'type'),
    createdAt: toUtcIsoString(row.created_at, 'created_at'),
    updatedAt: toUtcIsoString(row.updated_at, 'updated_at'),
  })
}

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Accepts an ID as a number, a decimal string (mysql2 with `bigNumberStrings`) or a bigint,
 * and refuses any that is not a positive safe integer rather than rounding it.
 */
function toId(value: unknown, column: string): number {
  let id: number
  if (typeof value === 'number') id = value
  // A decimal string round-trips exactly only if it has no sign, fraction, exponent, leading
  // zero or digit beyond double precision: anything else ('1abc', '01', '9007199254740993') fails.
  else if (typeof value === 'string') id = String((id = Number(value))) === value ? id : Number.NaN
  else if (typeof value === 'bigint' && value <= MAX_SAFE_BIGINT) id = Number(value)
  else id = Number.NaN
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw rowError(`Column ${column} is not a positive safe integer: ${String(value)}`, column)
  }
  return id
}

function toNullableString(value: unknown, column: string): string | null {
  if (value === null || typeof value === 'string') return value
  throw rowError(`Column ${column} is not a string or NULL (got ${typeof value})`, column)
}

function toString(value: unknown, column: string): string {
  if (typeof value === 'string') return value
  throw rowError(`Column ${column} is not a string (got ${typeof value})`, column)
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|\+00:?00)?$/

/**
 * DATETIME columns hold UTC wall-clock times. They are selected as text so that no driver
 * setting (mysql2's `timezone` defaults to the process's local zone) can shift them; the text
 * is rewritten, not parsed into a `Date`, so the result cannot depend on `TZ` either.
 */
function toUtcIsoString(value: unknown, column: string): string {
  if (typeof value === 'string') {
    // MySQL's text for DATETIME(3), 'YYYY-MM-DD HH:MM:SS.mmm', checked character by character:
    // this runs twice per row on every miss, and a regex costs ten times more.
    if (isDateTime3(value)) return flat(value.slice(0, 10), value.slice(11))
    const match = DATE_TIME.exec(value)
    if (match !== null) {
      const millis = (match[3] ?? '').padEnd(3, '0').slice(0, 3)
      return flat(match[1] ?? '', `${match[2] ?? ''}.${millis}`)
    }
  } else if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return value.toISOString()
  }
  throw rowError(`Column ${column} is not a date-time: ${String(value)}`, column)
}

// Positions of the separators in 'YYYY-MM-DD HH:MM:SS.mmm'; every other character is a digit.
const SEPARATORS: Readonly<Record<number, number>> = { 4: 0x2d, 7: 0x2d, 10: 0x20, 13: 0x3a, 16: 0x3a, 19: 0x2e }

function isDateTime3(value: string): boolean {
  if (value.length !== 23) return false
  for (let i = 0; i < 23; i++) {
    const code = value.charCodeAt(i)
    const separator = SEPARATORS[i]
    if (separator === undefined ? code < 0x30 || code > 0x39 : code !== separator) return false
  }
  return true
}

/**
 * `${date}T${time}Z` as one flat string. A template literal would make a rope of four pieces
 * that the cache would keep for the entry's life: 674 bytes per cached row instead of 340.
 */
function flat(date: string, time: string): string {
  return [date, 'T', time, 'Z'].join('')
}
