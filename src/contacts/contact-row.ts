import type { Contact } from './contact.js'
import { ContactRowError } from '../errors.js'

/**
 * One row of the contacts select by position, in the order of `CONTACT_COLUMNS`: id,
 * tenant_id, first_name, last_name, company_name, email, phone, type, created_at, updated_at.
 * mysql2 hands prepared-statement rows over in this form (`rowsAsArray`); rows read through
 * kysely are put in it by {@link contactRowOf}.
 */
export type ContactRow = readonly unknown[]

/** A row as kysely returns it, keyed by column name. */
export interface ContactRecord {
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

/** The positional form of a row read through kysely. */
export function contactRowOf(record: ContactRecord): ContactRow {
  return [
    record.id, record.tenant_id, record.first_name, record.last_name, record.company_name,
    record.email, record.phone, record.type, record.created_at, record.updated_at,
  ]
}

/**
 * Turns one database row into a frozen {@link Contact}, checking every column on the way.
 * A row of another tenant is refused here even though the query already filters on the
 * tenant: a cache that serves many tenants gets this check as its last line of defence.
 *
 * Nothing is allocated but the `Contact` itself when the row is in the form the MySQL
 * prepared select produces (IDs as numbers, dates already in ISO form): every string of the
 * row is the driver's own, kept as it is.
 */
export function decodeContactRow(row: ContactRow, tenantId: number): Contact {
  const rowTenant = toId(row[1], 'tenant_id', tenantId, row)
  if (rowTenant !== tenantId) {
    throw rowError(`A row of tenant ${rowTenant} came back for tenant ${tenantId}`, tenantId, row, 'tenant_id')
  }
  return Object.freeze({
    id: toId(row[0], 'id', tenantId, row),
    firstName: toNullableString(row[2], 'first_name', tenantId, row),
    lastName: toNullableString(row[3], 'last_name', tenantId, row),
    companyName: toNullableString(row[4], 'company_name', tenantId, row),
    email: toNullableString(row[5], 'email', tenantId, row),
    phone: toNullableString(row[6], 'phone', tenantId, row),
    type: toString(row[7], 'type', tenantId, row),
    createdAt: toUtcIsoString(row[8], 'created_at', tenantId, row),
    updatedAt: toUtcIsoString(row[9], 'updated_at', tenantId, row),
  })
}

/**
 * The error for a row of `tenantId`'s batch that fails on `column`. Only built on failure,
 * which is why the checks below take the row and tenant as plain arguments rather than a
 * context object: the common case allocates nothing for them.
 */
export function rowError(message: string, tenantId: number, row: ContactRow, column: string): ContactRowError {
  const id = row[0]
  return new ContactRowError(message, {
    tenantId,
    id: typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined,
    column,
  })
}

/**
 * Accepts an ID as a number, a decimal string (mysql2 with `bigNumberStrings`) or a bigint,
 * and refuses any that is not a positive safe integer rather than rounding it.
 */
export function toId(value: unknown, column: string, tenantId: number, row: ContactRow): number {
  // A number is checked where it stands: the common case must not leave this function.
  if (typeof value === 'number' ? Number.isSafeInteger(value) && value > 0 : false) return value as number
  // A bigint past 2^53 converts to 2^53 or more (rounding is monotonic), never to a safe
  // integer: the check below refuses it, as it refuses 0 and negatives of every kind.
  const id = typeof value === 'string' ? decimalId(value) : typeof value === 'bigint' ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw rowError(`Column ${column} is not a positive safe integer: ${String(value)}`, tenantId, row, column)
  }
  return id
}

/**
 * The value of a plain decimal string, without building any string: digits only, no sign,
 * fraction, exponent or leading zero ('1abc', '01', '+1', '1e3' are NaN). The caller refuses
 * what is left: the empty string's 0, and anything past 2^53, whose value may be rounded but
 * never down to a safe integer (rounding is monotonic and 2^53 is a double).
 */
function decimalId(text: string): number {
  const length = text.length
  if (text.charCodeAt(0) === 0x30) return Number.NaN
  let id = 0
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) return Number.NaN
    id = id * 10 + digit
  }
  return id
}

function toNullableString(value: unknown, column: string, tenantId: number, row: ContactRow): string | null {
  if (value === null || typeof value === 'string') return value
  throw rowError(`Column ${column} is not a string or NULL (got ${typeof value})`, tenantId, row, column)
}

function toString(value: unknown, column: string, tenantId: number, row: ContactRow): string {
  if (typeof value === 'string') return value
  throw rowError(`Column ${column} is not a string (got ${typeof value})`, tenantId, row, column)
}

// What the MySQL prepared select sends (see DateText 'iso'): kept as it is.
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
// What `cast(... as char)` gives for DATETIME(3) on MySQL: rewritten.
const DATE_TIME_3 = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/
// Anything else a driver may say for a UTC date-time.
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|\+00:?00)?$/

/**
 * DATETIME columns hold UTC wall-clock times. They are read as text formatted by the server
 * so that no driver setting (mysql2's `timezone` defaults to the process's local zone) can
 * shift them; the text is checked, or rewritten, never parsed into a `Date`, so the result
 * cannot depend on `TZ` either. (A regex `test` without captures runs as native code: it is
 * faster here than a loop over the characters.)
 */
export function toUtcIsoString(value: unknown, column: string, tenantId: number, row: ContactRow): string {
  if (typeof value === 'string') {
    if (ISO_MILLIS.test(value)) return value
    // The general form below gives the same text: this is the fast way for the 'cast' reads.
    if (DATE_TIME_3.test(value)) return flat(value.slice(0, 10), value.slice(11))
    const match = DATE_TIME.exec(value)
    if (match !== null) {
      // Groups 1 and 2 are not optional: a match always has them.
      const millis = (match[3] ?? '').padEnd(3, '0').slice(0, 3)
      return flat(match[1] as string, `${match[2] as string}.${millis}`)
    }
  } else if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return value.toISOString()
  }
  throw rowError(`Column ${column} is not a date-time: ${String(value)}`, tenantId, row, column)
}

/**
 * `${date}T${time}Z` as one flat string. A template literal would make a rope of four pieces
 * that the cache would keep for the entry's life: 674 bytes per cached row instead of 340.
 */
function flat(date: string, time: string): string {
  return [date, 'T', time, 'Z'].join('')
}
