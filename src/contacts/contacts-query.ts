import type { CompiledQuery, ExpressionBuilder, Kysely } from 'kysely'
import { stringOption } from '../validation/option-checks.js'

/** A table name, optionally schema-qualified: letters, digits and `_`, not starting with a digit. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63})?$/

/**
 * `options.table`, or `'contacts'` when it is absent; a `TypeError` unless it matches
 * {@link TABLE_NAME}. The repository and `createContactsTable` take the same names.
 */
export function tableOption(options: { readonly table?: string | undefined }): string {
  return stringOption(options, 'table', 'contacts', `a table name matching ${String(TABLE_NAME)}`, (name) => TABLE_NAME.test(name))
}

/** The columns `getMany` selects, in the order of every row (see `ContactRow`). */
export const CONTACT_COLUMNS = [
  'id',
  'tenant_id',
  'first_name',
  'last_name',
  'company_name',
  'email',
  'phone',
  'type',
  'created_at',
  'updated_at',
] as const

// Every column but the two dates, selected as they are.
const TEXT_COLUMNS = CONTACT_COLUMNS.slice(0, 8)

/**
 * How the server turns the DATETIME columns into text. Both read the stored wall-clock time
 * as it is, so neither the driver's `timezone` nor the process's `TZ` can shift it.
 * - `'cast'`: `cast(col as char)`, which every SQL database runs; MySQL answers
 *   `2026-03-01 12:00:00.000` and the row decoder rewrites it.
 * - `'iso'`: MySQL/MariaDB only, `concat(left(date_format(col, ?), 23), ?)`, which answers
 *   `2026-03-01T12:00:00.000Z`, the `Contact`'s own form: the decoder only checks it and
 *   keeps the driver's string, with no string built per row.
 */
export type DateText = 'cast' | 'iso'

// Bound, not inlined: kysely offers no string literal without its `sql` tag, whose import
// would load kysely at run time for this module. '%f' is microseconds; left(..., 23) keeps
// milliseconds whatever the column's precision.
const DATE_FORMAT = '%Y-%m-%dT%H:%i:%s.%f'
const UTC_SUFFIX = 'Z'

// Placeholder values compiled in for the tenant and the IDs, then looked up in the compiled
// parameters: negative, so they can never be confused with a real value or a constant.
const TENANT_PLACEHOLDER = -1
const idPlaceholder = (k: number): number => -2 - k

/**
 * The select for IN lists of one padded size, compiled once: what is left per call is
 * {@link ContactsStatement.bind}.
 */
export interface ContactsStatement {
  /** Number of IDs in the IN list. */
  readonly size: number
  /** The compiled select; its `parameters` are placeholders, use {@link bind} for real values. */
  readonly compiled: CompiledQuery
  /**
   * The statement's parameters for `tenantId` and 1 to `size` distinct `ids`: a list shorter
   * than `size` is padded by repeating its last ID, which cannot change the answer (IN is a
   * set: a row matches once however often its ID is listed).
   */
  bind(tenantId: number, ids: readonly number[]): unknown[]
}

/**
 * Compiles `select <columns> from <table> where tenant_id = ? and id in (?, ... size times)`
 * through `db`'s own dialect. Every value is a bound parameter; the table name was checked
 * against {@link TABLE_NAME} when the repository was built and is quoted by kysely.
 */
export function compileContactsSelect(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any table name
  table: string,
  size: number,
  dates: DateText,
): ContactsStatement {
  const placeholders = Array.from({ length: size }, (_, k) => idPlaceholder(k))
  const compiled = selectContacts(db, table, TENANT_PLACEHOLDER, placeholders, dates).compile()
  const template = [...compiled.parameters]
  const tenantAt = template.indexOf(TENANT_PLACEHOLDER)
  const idsAt = template.indexOf(idPlaceholder(0))
  // The IDs in order from idsAt on: this also fails when there is none (idsAt is -1 and
  // template[-1] is undefined) or too few (reading past the end gives undefined).
  const layoutHolds =
    tenantAt >= 0 &&
    template.lastIndexOf(TENANT_PLACEHOLDER) === tenantAt &&
    placeholders.every((placeholder, k) => template[idsAt + k] === placeholder)
  if (!layoutHolds) {
    // Only a dialect that reorders or rewrites parameters could get here.
    throw new Error(`The contacts select compiled to an unexpected parameter list: ${compiled.sql}`)
  }
  return {
    size,
    compiled,
    bind(tenantId, ids) {
      const values = template.slice()
      values[tenantAt] = tenantId
      const last = ids.length - 1
      for (let k = 0; k < size; k++) values[idsAt + k] = ids[k < last ? k : last]
      return values
    },
  }
}

/**
 * The select as a kysely query, for `ids` exactly as given. Used to compile the statements,
 * and per call only when the instance has plugins (see `createContactsReader`).
 */
export function selectContacts(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any table name
  table: string,
  tenantId: number,
  ids: readonly number[],
  dates: DateText,
) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table name
  const dateText = (eb: ExpressionBuilder<any, any>, column: 'created_at' | 'updated_at') =>
    (dates === 'iso'
      ? eb.fn<string>('concat', [eb.fn('left', [eb.fn('date_format', [eb.ref(column), eb.val(DATE_FORMAT)]), eb.lit(23)]), eb.val(UTC_SUFFIX)])
      : eb.cast<string>(eb.ref(column), 'char')
    ).as(column)
  return db
    .selectFrom(table)
    .select((eb) => [...TEXT_COLUMNS, dateText(eb, 'created_at'), dateText(eb, 'updated_at')])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
}

/**
 * IN-list sizes the select is compiled for: the powers of two below `maxBatchSize`, then
 * `maxBatchSize` itself: 11 sizes at the default 1,000. A batch of n IDs uses the smallest
 * size that holds it, so a connection never holds more prepared statements than that,
 * whatever the batch sizes, and a padded list is less than twice the batch.
 */
export function paddedSizes(maxBatchSize: number): number[] {
  const sizes: number[] = []
  for (let size = 1; size < maxBatchSize; size *= 2) sizes.push(size)
  sizes.push(maxBatchSize)
  return sizes
}

/**
 * Index in `paddedSizes(maxBatchSize)` of the size a batch of `n` IDs (1..maxBatchSize) uses:
 * ceil(log2(n)). No cap is needed: for n up to maxBatchSize that is at most
 * ceil(log2(maxBatchSize)), the last index, whose size is maxBatchSize itself.
 */
export function paddedSizeIndex(n: number): number {
  return 32 - Math.clz32(n - 1)
}
