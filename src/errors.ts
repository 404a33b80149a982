import { isTransientDriverError } from './driver-errors.js'
import type { ValidationIssue } from './validation/validation-issue.js'

/**
 * Every error this package throws or rejects with at run time is a
 * {@link ContactRepositoryError} carrying one of these codes, the subpaths' errors included
 * (the Redis bus's and the binlog source's). Match on `code` (or `instanceof`), never on
 * `message`: messages may be reworded, codes are part of the public contract.
 *
 * Bad options are the one exception, by design: constructors and factories
 * (`new ContactRepository`, `new ContactWrites`, `createMysqlDialect`,
 * `createRedisInvalidationBus`, `createBinlogInvalidationSource`, the HTTP handler and
 * adapters...) throw a plain `TypeError` whose message names the option (`options.ttl must
 * be ...`), synchronously, as lru-cache and Node's own APIs do; so does a bus's `subscribe`
 * given something that is not a subscriber. That is a programming error to fix at startup,
 * not a condition to handle at run time, and it carries no code.
 *
 * An internal check that fails while a batch is loading (a bug of this package, or a dialect
 * that rewrites the select) is not thrown as such either: the batch fails with
 * {@link ContactQueryError}, the check's error as its `cause`.
 */
export type ContactRepositoryErrorCode =
  | 'ERR_CONTACTS_INVALID_ARGUMENT'
  | 'ERR_CONTACTS_QUERY_FAILED'
  | 'ERR_CONTACTS_TIMEOUT'
  | 'ERR_CONTACTS_ABORTED'
  | 'ERR_CONTACTS_OVERLOADED'
  | 'ERR_CONTACTS_INVALID_ROW'
  | 'ERR_CONTACTS_CLOSED'
  | 'ERR_CONTACTS_CHANGES_CLOSED'
  | 'ERR_INVALIDATION_BUS_CLOSED'
  | 'ERR_BINLOG_UNSAFE_SERVER'
  | 'ERR_BINLOG_MISSING_PRIVILEGE'
  | 'ERR_BINLOG_CONNECTION'
  | 'ERR_BINLOG_CLOSED'

/** Base class of every error the package produces at run time. */
export class ContactRepositoryError extends Error {
  override name = 'ContactRepositoryError'
  readonly code: ContactRepositoryErrorCode
  /**
   * Whether the same call may succeed if retried later without changing it (the database
   * was unreachable, slow or overloaded). Validation errors and contract violations are not.
   */
  readonly transient: boolean

  constructor(
    code: ContactRepositoryErrorCode,
    message: string,
    transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.code = code
    this.transient = transient
  }
}

/**
 * A tenant ID or contact ID was not a positive safe integer. Thrown before any cache or SQL
 * work. `issues` is data; turn it into a message (or a 422 body) where you present it.
 */
export class ContactValidationError extends ContactRepositoryError {
  override name = 'ContactValidationError'
  readonly issues: readonly ValidationIssue[]

  constructor(issues: readonly ValidationIssue[]) {
    const first = issues[0]
    super(
      'ERR_CONTACTS_INVALID_ARGUMENT',
      first === undefined
        ? 'Invalid argument'
        : `Invalid argument ${first.path.join('.') || '(root)'}: ${first.message}` +
            (issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''),
      false,
    )
    this.issues = issues
  }
}

/**
 * The batched query failed (connection refused or lost, SQL error...). `cause` is the
 * driver's error; `transient` is true only for errors a retry may get past (connection and
 * server availability, locks), not for configuration errors such as a missing table.
 */
export class ContactQueryError extends ContactRepositoryError {
  override name = 'ContactQueryError'
  /** Tenant whose batch failed. */
  readonly tenantId: number
  /** Number of IDs in the failed query. */
  readonly batchSize: number

  constructor(tenantId: number, batchSize: number, cause: unknown) {
    super(
      'ERR_CONTACTS_QUERY_FAILED',
      `Loading ${batchSize} contact(s) of tenant ${tenantId} failed`,
      isTransientDriverError(cause),
      { cause },
    )
    this.tenantId = tenantId
    this.batchSize = batchSize
  }
}

/** A deadline passed: waiting for a connection, or for the query's result. */
export class ContactTimeoutError extends ContactRepositoryError {
  override name = 'ContactTimeoutError'
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number
  /** Which wait timed out: acquiring a pooled connection, or the whole batch. */
  readonly phase: 'acquire' | 'query'

  constructor(timeoutMs: number, phase: 'acquire' | 'query', options?: ErrorOptions) {
    super(
      'ERR_CONTACTS_TIMEOUT',
      phase === 'acquire'
        ? `No database connection became available within ${timeoutMs} ms`
        : `Loading contacts took longer than ${timeoutMs} ms`,
      true,
      options,
    )
    this.timeoutMs = timeoutMs
    this.phase = phase
  }
}

/** The caller's `AbortSignal` fired. `cause` is the signal's `reason`. */
export class ContactAbortError extends ContactRepositoryError {
  override name = 'ContactAbortError'

  constructor(reason: unknown) {
    super('ERR_CONTACTS_ABORTED', 'The operation was aborted', false, { cause: reason })
  }
}

/**
 * Too many miss queries were already running or queued; the call was rejected at once
 * instead of waiting. Retry after `retryAfterMs`.
 */
export class ContactOverloadError extends ContactRepositoryError {
  override name = 'ContactOverloadError'
  /** Whether the tenant's own share or the whole repository's queue was full. */
  readonly scope: 'tenant' | 'global'
  /** A suggested delay before retrying, in milliseconds. */
  readonly retryAfterMs: number

  constructor(scope: 'tenant' | 'global', retryAfterMs: number) {
    super(
      'ERR_CONTACTS_OVERLOADED',
      scope === 'tenant'
        ? 'Too many contact queries are queued for this tenant'
        : 'Too many contact queries are queued',
      true,
    )
    this.scope = scope
    this.retryAfterMs = retryAfterMs
  }
}

/** What {@link ContactRowError} knows about the row at fault. */
export interface ContactRowErrorDetails {
  /** Tenant whose batch the row came back in. */
  readonly tenantId: number
  /** The row's contact ID, when its `id` column could be read. */
  readonly id?: number | undefined
  /**
   * The column at fault: the malformed one; `tenant_id` for another tenant's row; `id` for a
   * row that was not asked for or came back twice.
   */
  readonly column: string
  /** The error that made the column unreadable, if one was thrown. */
  readonly cause?: unknown
}

/**
 * The database returned a row that breaks the batch contract (an ID that was not asked for,
 * another tenant's row, a malformed column). Nothing from that batch is cached. The fields
 * say which row and column, so that a log line or an alert can point at it without parsing
 * the message.
 */
export class ContactRowError extends ContactRepositoryError {
  override name = 'ContactRowError'
  /** Tenant whose batch the row came back in. */
  readonly tenantId: number
  /** The row's contact ID, or `undefined` when its `id` column could not be read. */
  readonly id: number | undefined
  /** The column at fault (see {@link ContactRowErrorDetails.column}). */
  readonly column: string

  constructor(message: string, details: ContactRowErrorDetails) {
    super('ERR_CONTACTS_INVALID_ROW', message, false, 'cause' in details ? { cause: details.cause } : undefined)
    this.tenantId = details.tenantId
    this.id = details.id
    this.column = details.column
  }
}

/** The repository was closed with `close()`. */
export class ContactRepositoryClosedError extends ContactRepositoryError {
  override name = 'ContactRepositoryClosedError'

  constructor() {
    super('ERR_CONTACTS_CLOSED', 'The contact repository is closed', false)
  }
}

/**
 * `ContactWrites`: a change was recorded on `changes` after the write callback had returned (a
 * forgotten `await`, a callback kept for later). The transaction was already committed or
 * rolled back, so the change would never be invalidated: record changes while the write runs.
 */
export class ContactChangesClosedError extends ContactRepositoryError {
  override name = 'ContactChangesClosedError'

  constructor() {
    super('ERR_CONTACTS_CHANGES_CLOSED', 'Changes can only be recorded while the write runs', false)
  }
}
