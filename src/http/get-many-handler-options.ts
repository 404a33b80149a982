import { randomUUID } from 'node:crypto'
import {
  checkOptionKeys,
  functionOption,
  integerOption,
  optionNames,
  stringOption,
} from '../validation/option-checks.js'
import { DEFAULT_PROBLEM_TYPE_BASE } from './problem-kinds.js'

/** Who is calling, as your authentication established it. Never taken from the body. */
export interface GetManyAuth {
  /** The caller's tenant: a positive safe integer. Anything else is a server error (500). */
  readonly tenantId: number
  /**
   * The scopes the caller holds; the handler's `requiredScope` must be among them. An array,
   * or a `Set` (any `ReadonlySet`: an object with a `has` method).
   */
  readonly scopes: readonly string[] | ReadonlySet<string>
}

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
 * Options of `createGetManyHandler` (and of every adapter). All are optional; every value is
 * checked once, when the handler is created, and a bad one throws a `TypeError` naming it.
 */
export interface GetManyHandlerOptions {
  /**
   * Scope the caller must hold, checked before the body is looked at, so a caller without it
   * learns nothing from validation errors.
   * @default 'contacts:read'
   */
  readonly requiredScope?: string
  /**
   * Prefix of every problem `type`: the type is this followed by the problem kind
   * (`validation-failed`, `insufficient-scope`...). Must make an absolute URI; point it at
   * your documentation, e.g. `'https://api.example.com/problems/'`.
   * @default 'urn:contact-repository:problem:'
   */
  readonly problemTypeBase?: string
  /**
   * `Retry-After` seconds of a 503 whose error carries no delay of its own (a timeout, a
   * failed query); an overload sends its own `retryAfterMs`, rounded up.
   * @default 1
   */
  readonly retryAfterSeconds?: number
  /**
   * `WWW-Authenticate` value of a 401, answered when `auth` is `null` or `undefined`.
   * @default 'Bearer'
   */
  readonly wwwAuthenticate?: string
  /**
   * Makes a request ID when the request has no usable `X-Request-Id`. A result that is not
   * 1-128 visible ASCII characters, or a throw, is replaced by a UUID. Cost: one call per request without
   * an ID.
   * @default crypto.randomUUID
   */
  readonly generateRequestId?: () => string
  /**
   * Receives every failure answered with 500 or 503 (the response itself only says what
   * happened in general terms): log it, count it, report it. Without it nothing is logged; the
   * repository's diagnostics channels still see failed batches. Cost: runs on the request path
   * before the response; keep it quick. A throw from it is ignored.
   * @default undefined (none)
   */
  readonly onError?: (error: unknown, context: GetManyErrorContext) => void
}

/**
 * Options of the node:http, Express and Fastify adapters: the handler's options plus what
 * only an adapter can do (authenticate a framework request, read the body with limits).
 */
export interface GetManyAdapterOptions<Request> extends GetManyHandlerOptions {
  /**
   * Who is calling, from your authentication (a verified token, a session): the tenant and
   * its scopes; `null` or `undefined` for an anonymous request, answered 401. Called before
   * the body is read; a throw or rejection is a 500 reported to `onError`. Required.
   */
  readonly authenticate: (
    request: Request,
  ) => GetManyAuth | null | undefined | Promise<GetManyAuth | null | undefined>
  /**
   * Largest body accepted, in bytes. A larger one is answered 413 without being parsed: a
   * declared `Content-Length` is refused before reading, a chunked body as soon as it passes
   * the limit. 50 IDs take under 1 KB. Cost: up to this much buffered per request being read.
   * @default 8192
   */
  readonly bodyLimit?: number
  /**
   * Deepest nesting of arrays and objects accepted in the body; deeper is 400 before parsing
   * (a valid request nests 2 levels).
   * @default 32
   */
  readonly maxDepth?: number
}

/** Handler options after defaults were applied and values checked. */
export interface ResolvedHandlerOptions {
  readonly requiredScope: string
  readonly problemTypeBase: string
  readonly retryAfterSeconds: number
  readonly wwwAuthenticate: string
  /** `undefined` for the default, `randomUUID`, whose IDs need no check. */
  readonly generateRequestId: (() => string) | undefined
  readonly onError: ((error: unknown, context: GetManyErrorContext) => void) | undefined
}

/** Adapter options after defaults were applied and values checked. */
export interface ResolvedAdapterOptions<Request> extends ResolvedHandlerOptions {
  readonly authenticate: GetManyAdapterOptions<Request>['authenticate']
  readonly bodyLimit: number
  readonly maxDepth: number
}

const HANDLER_OPTION_NAMES = {
  requiredScope: true,
  problemTypeBase: true,
  retryAfterSeconds: true,
  wwwAuthenticate: true,
  generateRequestId: true,
  onError: true,
} as const
const HANDLER_OPTIONS = optionNames<GetManyHandlerOptions>(HANDLER_OPTION_NAMES)
const ADAPTER_OPTIONS = optionNames<GetManyAdapterOptions<unknown>>({
  ...HANDLER_OPTION_NAMES,
  authenticate: true,
  bodyLimit: true,
  maxDepth: true,
})

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/

/** Applies the handler's defaults and checks its options. */
export function resolveHandlerOptions(options: GetManyHandlerOptions = {}): ResolvedHandlerOptions {
  checkOptionKeys(options, HANDLER_OPTIONS, 'the get-many handler', 'an object')
  return resolveShared(options)
}

/** Applies an adapter's defaults and checks its options (an adapter's own, such as Fastify's `path`, taken out first). */
export function resolveAdapterOptions<Request>(options: GetManyAdapterOptions<Request>): ResolvedAdapterOptions<Request> {
  checkOptionKeys(options, ADAPTER_OPTIONS, 'the get-many adapter', 'an object with at least `authenticate`')
  if (typeof options.authenticate !== 'function') {
    throw new TypeError('options.authenticate must be a function: (request) => { tenantId, scopes } or null')
  }
  return {
    ...resolveShared(options),
    authenticate: options.authenticate,
    bodyLimit: integerOption(options, 'bodyLimit', 8192, 1),
    maxDepth: integerOption(options, 'maxDepth', 32, 2),
  }
}

function resolveShared(options: GetManyHandlerOptions): ResolvedHandlerOptions {
  const generateRequestId = functionOption(options, 'generateRequestId')
  return {
    requiredScope: stringOption(options, 'requiredScope', 'contacts:read', 'a non-empty string', (s) => s !== ''),
    problemTypeBase: stringOption(
      options,
      'problemTypeBase',
      DEFAULT_PROBLEM_TYPE_BASE,
      'a string that makes an absolute URI',
      (s) => URL.canParse(`${s}validation-failed`),
    ),
    retryAfterSeconds: integerOption(options, 'retryAfterSeconds', 1, 0),
    wwwAuthenticate: stringOption(
      options,
      'wwwAuthenticate',
      'Bearer',
      'a non-empty header value of printable ASCII',
      (s) => PRINTABLE_ASCII.test(s),
    ),
    generateRequestId: generateRequestId === randomUUID ? undefined : generateRequestId,
    onError: functionOption(options, 'onError'),
  }
}
