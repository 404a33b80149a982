import type { IncomingHttpHeaders } from 'node:http'
import {
  ADAPTER_OPTION_KEYS,
  resolveAdapterLimits,
  type GetManyAdapterOptions,
} from './get-many-adapter-options.js'
import { GetManyEndpoint } from './get-many-endpoint.js'
import type { GetManyAuth, GetManyHttpResponse, GetManyRepository } from './get-many-handler-types.js'
import { resolveGetManyHandlerOptions } from './get-many-handler-options.js'
import { readJsonBody } from './read-json-body.js'

/** Where an adapter's request body is: an unread stream, or a value some middleware already parsed. */
export type RequestBodySource =
  | { readonly stream: AsyncIterable<unknown> }
  | { readonly parsed: unknown }

/** What an adapter sends: the status, the headers, and the body already serialized. */
export interface SerializedAnswer {
  readonly status: number
  /** Includes `connection: close` when a large or chunked request body was left unread. */
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** Serves one framework request; never rejects. */
export type GetManyRequestServer<Request> = (
  request: Request,
  headers: IncomingHttpHeaders,
  body: RequestBodySource,
) => Promise<SerializedAnswer>

/** What adapters share, including answering the framework's own errors in the same shape. */
export interface GetManyAdapterCore<Request> {
  readonly serve: GetManyRequestServer<Request>
  readonly endpoint: GetManyEndpoint
}

/**
 * The request flow every adapter shares: request ID, `authenticate`, 401/403 before anything
 * is read, then the body with its limits (415, 413, 400), then the handler. Adapters only
 * translate their framework's request and response to and from this.
 */
export function createGetManyAdapterCore<Request>(
  repository: GetManyRepository,
  options: GetManyAdapterOptions<Request>,
): GetManyAdapterCore<Request> {
  const limits = resolveAdapterLimits(options)
  const endpoint = new GetManyEndpoint(repository, resolveGetManyHandlerOptions(options, ADAPTER_OPTION_KEYS))
  const { authenticate } = options

  const serve: GetManyRequestServer<Request> = async (request, headers, source) => {
    const requestId = endpoint.requestId(headers['x-request-id'])
    // A body left unread is drained by Node when it is declared small; otherwise the
    // connection must close, or Node would read all of it, however large.
    const drainable = Number(headers['content-length']) <= limits.bodyLimit
    let unread = 'stream' in source && !drainable
    let response: GetManyHttpResponse
    try {
      let auth: GetManyAuth | null | undefined
      try {
        auth = await authenticate(request)
      } catch (error) {
        return serialize(endpoint.fail(error, requestId, undefined), unread)
      }
      const denied = endpoint.authorize(auth, requestId)
      if (denied !== undefined) return serialize(denied, unread)
      let body: unknown
      if ('stream' in source) {
        const read = await readJsonBody(source.stream, headers, limits)
        unread = !read.ok && read.unread && !drainable
        if (!read.ok) return serialize(endpoint.problem(read.kind, requestId, read.detail), unread)
        body = read.value
      } else {
        body = source.parsed
      }
      response = await endpoint.handle({ body, auth, requestId })
    } catch (error) {
      response = endpoint.fail(error, requestId, undefined)
    }
    return serialize(response, unread)
  }
  return { serve, endpoint }
}

function serialize(response: GetManyHttpResponse, unread: boolean): SerializedAnswer {
  return {
    status: response.status,
    headers: unread ? { ...response.headers, connection: 'close' } : response.headers,
    text: JSON.stringify(response.body),
  }
}
