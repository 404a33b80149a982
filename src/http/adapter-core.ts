import type { IncomingMessage, ServerResponse } from 'node:http'
import { GetManyEndpoint, type GetManyRepository } from './get-many-endpoint.js'
import { resolveAdapterOptions, type GetManyAdapterOptions } from './get-many-handler-options.js'
import type { BodyRead, JsonBodyLimits } from './read-json-body.js'

/** What an adapter sends: the status, the headers, the body as JSON text. */
export interface SerializedAnswer {
  readonly status: number
  /** Includes `connection: close` when a large or chunked request body was left unread. */
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** What every adapter is built on: the endpoint, and a way to serve one request with it. */
export interface AdapterCore<Request> {
  /** Answers one framework request, serialized; never rejects. */
  readonly serve: (request: Request, raw: IncomingMessage) => Promise<SerializedAnswer>
  /** For an adapter's own answers (a framework's refusal) in the same shape. */
  readonly endpoint: GetManyEndpoint<Request>
}

/**
 * The part the adapters share: the options, checked once; the endpoint, with the adapter's
 * `authenticate` and its way to the body (`readBody`, given the limits); the serialization, and
 * whether the connection must close. An adapter only translates its framework's request and
 * response to and from this.
 */
export function createAdapterCore<Request>(
  repository: GetManyRepository,
  options: GetManyAdapterOptions<Request>,
  readBody: (request: Request, limits: JsonBodyLimits) => BodyRead | Promise<BodyRead>,
): AdapterCore<Request> {
  const resolved = resolveAdapterOptions(options)
  const { authenticate, bodyLimit } = resolved
  const limits: JsonBodyLimits = { bodyLimit, maxDepth: resolved.maxDepth }
  const endpoint = new GetManyEndpoint<Request>(repository, resolved, {
    authenticate,
    readBody: (request) => readBody(request, limits),
  })
  const serve = async (request: Request, raw: IncomingMessage): Promise<SerializedAnswer> => {
    const response = await endpoint.respond(request, raw.headers['x-request-id'])
    const text = JSON.stringify(response.body)
    // A body left unread is drained by Node when it was declared small; otherwise the
    // connection must close, or Node would go on reading all of it, however large.
    const close = !raw.readableEnded && !(Number(raw.headers['content-length']) <= bodyLimit)
    return { status: response.status, headers: close ? { ...response.headers, connection: 'close' } : response.headers, text }
  }
  return { serve, endpoint }
}

/** Writes an answer to a Node response (node:http, and Express, whose response is one). */
export function sendNodeResponse(response: ServerResponse, answer: SerializedAnswer): void {
  // The client may be gone by now; there is nobody left to answer.
  if (response.headersSent || response.destroyed) return
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.text)) })
  // A string: Node sends it with the head in one write.
  response.end(answer.text)
}
