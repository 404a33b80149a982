import type { ColumnType, Generated } from 'kysely'

/** The contact kinds are not fixed by the table (`VARCHAR(32)`); callers may narrow it. */
export type ContactType = string

/**
 * A contact as `getMany` returns it: every key always present, absent values are `null`.
 * Returned objects are frozen and shared with the cache; copy one before changing it.
 */
export interface Contact {
  readonly id: number
  readonly firstName: string | null
  readonly lastName: string | null
  readonly companyName: string | null
  readonly email: string | null
  readonly phone: string | null
  readonly type: ContactType
  /** UTC ISO 8601 with milliseconds, e.g. `2026-03-01T12:00:00.000Z`, whatever the process TZ. */
  readonly createdAt: string
  /** UTC ISO 8601 with milliseconds. */
  readonly updatedAt: string
}

/** A DATETIME column as a driver may hand it over: text (preferred), a `Date`, or input for writes. */
type DateTimeColumn = ColumnType<Date | string, Date | string, Date | string>

/** Kysely table type of the reference table in `src/contacts/contacts.sql`. */
export interface ContactsTable {
  id: Generated<number>
  tenant_id: number
  first_name: string | null
  last_name: string | null
  company_name: string | null
  email: string | null
  phone: string | null
  type: string
  created_at: DateTimeColumn
  updated_at: DateTimeColumn
}

/** Kysely database type with the reference table under its default name. */
export interface ContactsDatabase {
  contacts: ContactsTable
}
