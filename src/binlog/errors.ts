import { ContactRepositoryError } from '../errors.js'

/**
 * Codes of the errors `contact-repository/binlog` rejects with; match on `code` (or
 * `instanceof`), never on `message`.
 */
export type BinlogSourceErrorCode =
  | 'ERR_BINLOG_UNSAFE_SERVER'
  | 'ERR_BINLOG_MISSING_PRIVILEGE'
  | 'ERR_BINLOG_CONNECTION'
  | 'ERR_BINLOG_CLOSED'

/** Base class of the binlog source's errors. */
export class BinlogSourceError extends ContactRepositoryError {
  override name = 'BinlogSourceError'
  declare readonly code: BinlogSourceErrorCode

  // Not useless: it narrows the codes a binlog error can be given to the binlog ones.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: BinlogSourceErrorCode, message: string, transient: boolean, options?: ErrorOptions) {
    super(code, message, transient, options)
  }
}

/**
 * The server cannot be tailed safely: binary logging is off, a setting would let changes pass
 * unseen or be decoded wrongly, the server is not one this version supports, or the table does
 * not exist. Not transient: change the setting (`fix` says how) and start again.
 */
export class BinlogUnsafeServerError extends BinlogSourceError {
  override name = 'BinlogUnsafeServerError'
  /** The setting at fault: `log_bin`, `binlog_format`, `binlog_row_image`, `binlog_row_metadata`, `version`, `server_id` or `table`. */
  readonly setting: string
  /** Its value on the server. */
  readonly actual: string
  /** The value required. */
  readonly expected: string
  /** What to do about it. */
  readonly fix: string

  constructor(setting: string, actual: string, expected: string, fix: string) {
    super('ERR_BINLOG_UNSAFE_SERVER', `Refusing to tail the binlog: ${setting} is ${actual}, must be ${expected}. ${fix}`, false)
    this.setting = setting
    this.actual = actual
    this.expected = expected
    this.fix = fix
  }
}

/** The user lacks a privilege the tailer needs. Not transient: grant it (`fix`) and start again. */
export class BinlogPrivilegeError extends BinlogSourceError {
  override name = 'BinlogPrivilegeError'
  /** `REPLICATION SLAVE`, `BINLOG MONITOR` (REPLICATION CLIENT before MariaDB 10.5) or `SELECT`. */
  readonly privilege: string
  /** The GRANT statement that fixes it. */
  readonly fix: string

  constructor(privilege: string, fix: string, cause: unknown) {
    super('ERR_BINLOG_MISSING_PRIVILEGE', `The binlog user lacks ${privilege}: ${fix}`, false, { cause })
    this.privilege = privilege
    this.fix = fix
  }
}

/**
 * The server could not be reached or answered too late while starting. Transient: the same call
 * may succeed later. `cause` is the driver's error, if any: an error without one (a deadline
 * passed, a stall) has no `cause` property at all.
 */
export class BinlogConnectionError extends BinlogSourceError {
  override name = 'BinlogConnectionError'

  constructor(message: string, cause?: unknown) {
    super('ERR_BINLOG_CONNECTION', message, true, cause === undefined ? undefined : { cause })
  }
}

/** `start()` was called after `close()`. */
export class BinlogSourceClosedError extends BinlogSourceError {
  override name = 'BinlogSourceClosedError'

  constructor() {
    super('ERR_BINLOG_CLOSED', 'The binlog invalidation source is closed', false)
  }
}
