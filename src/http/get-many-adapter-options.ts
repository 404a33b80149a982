import type { GetManyAuth } from './get-many-handler-types.js'
import type { GetManyHandlerOptions } from './get-many-handler-options.js'

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
   * the limit. Default `8192` (50 IDs take under 1 KB). Cost: up to this much buffered per
   * request being read.
   */
  readonly bodyLimit?: number
  /**
   * Deepest nesting of arrays and objects accepted in the body; deeper is 400 before parsing.
   * Default `32` (a valid request nests 2 levels).
   */
  readonly maxDepth?: number
}

/** Adapter options after defaults. */
export interface ResolvedAdapterLimits {
  readonly bodyLimit: number
  readonly maxDepth: number
}

/** The option names an adapter adds to the handler's. */
export const ADAPTER_OPTION_KEYS: readonly string[] = ['authenticate', 'bodyLimit', 'maxDepth']

/** Checks the adapter's own options and applies their defaults. */
export function resolveAdapterLimits<Request>(options: GetManyAdapterOptions<Request>): ResolvedAdapterLimits {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('options must be an object with at least `authenticate`')
  }
  if (typeof options.authenticate !== 'function') throw new TypeError('options.authenticate must be a function')
  const { bodyLimit = 8192, maxDepth = 32 } = options
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1) {
    throw new TypeError('options.bodyLimit must be a positive integer of bytes')
  }
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 2) throw new TypeError('options.maxDepth must be an integer, 2 or more')
  return { bodyLimit, maxDepth }
}
