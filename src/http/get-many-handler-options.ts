import { randomUUID } from 'node:crypto'
import { DEFAULT_PROBLEM_TYPE_BASE } from './problem-kinds.js'

/** What `onError` learns about the request whose failure it receives. */
export interface GetManyErrorContext {
  /** The request ID sent back to the client, to correlate the log line with the response. */
  readonly requestId: string
  /** The status answered: 503 for transient repository failures, 500 for everything else. */
  readonly status: 500 | 503
  /** The caller's tenant, when authentication got that far. */
  readonly tenantId: number | undefined
}

/**
 * Options of `createGetManyHandler`. All are optional; every value is checked once, when the
 * handler is created, and a bad one throws a `TypeError` naming it.
 */
export interface GetManyHandlerOptions {
  /**
   * Scope the caller must hold, checked before the body is looked at, so a caller without it
   * learns nothing from validation errors. Default `'contacts:read'`.
   */
  readonly requiredScope?: string
  /**
   * Prefix of every problem `type`: the type is this followed by the problem kind
   * (`validation-failed`, `insufficient-scope`...). Must make an absolute URI; point it at
   * your documentation, e.g. `'https://api.example.com/problems/'`.
   * Default `'urn:contact-repository:problem:'`.
   */
  readonly problemTypeBase?: string
  /**
   * `Retry-After` seconds of a 503 whose error carries no delay of its own (a timeout, a
   * failed query); an overload sends its own `retryAfterMs`, rounded up. Default `1`.
   */
  readonly retryAfterSeconds?: number
  /**
   * `WWW-Authenticate` value of a 401, answered when `auth` is `null` or `undefined`.
   * Default `'Bearer'`.
   */
  readonly wwwAuthenticate?: string
  /**
   * Makes a request ID when the request has no usable `X-Request-Id`. A result that is not
   * 1-128 visible ASCII characters is replaced by a UUID. Default `crypto.randomUUID`.
   * Cost: one call per request without an ID.
   */
  readonly generateRequestId?: () => string
  /**
   * Receives every failure answered with 500 or 503 (the response itself only says what
   * happened in general terms): log it, count it, report it. Default: none, so nothing is
   * logged; the repository's diagnostics channels still see failed batches. Cost: runs on
   * the request path before the response; keep it quick. A throw from it is ignored.
   */
  readonly onError?: (error: unknown, context: GetManyErrorContext) => void
}

/** Options after defaults were applied and values checked. */
export type ResolvedGetManyHandlerOptions = Required<Omit<GetManyHandlerOptions, 'onError'>> &
  Pick<GetManyHandlerOptions, 'onError'>

const KNOWN_OPTIONS = new Set<string>([
  'requiredScope', 'problemTypeBase', 'retryAfterSeconds', 'wwwAuthenticate', 'generateRequestId', 'onError',
])

/** Applies defaults and validates. `extraKeys` are options of a wrapper (an adapter) to let through. */
export function resolveGetManyHandlerOptions(
  options: GetManyHandlerOptions = {},
  extraKeys: readonly string[] = [],
): ResolvedGetManyHandlerOptions {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('options must be an object')
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key) && !extraKeys.includes(key)) {
      throw new TypeError(`options.${key} is not an option of the get-many handler`)
    }
  }
  const {
    requiredScope = 'contacts:read',
    problemTypeBase = DEFAULT_PROBLEM_TYPE_BASE,
    retryAfterSeconds = 1,
    wwwAuthenticate = 'Bearer',
    generateRequestId = randomUUID,
    onError,
  } = options
  if (typeof requiredScope !== 'string' || requiredScope === '') {
    throw new TypeError('options.requiredScope must be a non-empty string')
  }
  if (typeof problemTypeBase !== 'string' || !URL.canParse(`${problemTypeBase}validation-failed`)) {
    throw new TypeError('options.problemTypeBase must be a string that makes an absolute URI')
  }
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
    throw new TypeError('options.retryAfterSeconds must be an integer, 0 or more')
  }
  if (typeof wwwAuthenticate !== 'string' || !/^[\x20-\x7e]+$/.test(wwwAuthenticate)) {
    throw new TypeError('options.wwwAuthenticate must be a non-empty header value of printable ASCII')
  }
  if (typeof generateRequestId !== 'function') throw new TypeError('options.generateRequestId must be a function')
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError('options.onError must be a function')
  return {
    requiredScope,
    problemTypeBase,
    retryAfterSeconds,
    wwwAuthenticate,
    generateRequestId,
    ...(onError === undefined ? {} : { onError }),
  }
}
