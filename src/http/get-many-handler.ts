import { GetManyEndpoint } from './get-many-endpoint.js'
import type { GetManyHandler, GetManyRepository } from './get-many-handler-types.js'
import { resolveGetManyHandlerOptions, type GetManyHandlerOptions } from './get-many-handler-options.js'

/**
 * The `POST /contacts/get-many` endpoint, independent of any framework: give it the parsed
 * body, the authenticated caller and the incoming `X-Request-Id`; it resolves to the status,
 * headers and body to send. It never rejects.
 *
 * In order: 401 without `auth`, 403 without the required scope (before the body is looked
 * at), 422 for an invalid body (tenant never read from it), then one `repository.getMany`
 * call: 200, or 503 with `Retry-After` for overload, timeouts and failed queries, 500 for
 * anything else (both reported to `onError`). Malformed JSON, size limits and content types
 * are the adapters' part (`contact-repository/node-http`, `/express`, `/fastify`).
 */
export function createGetManyHandler(repository: GetManyRepository, options?: GetManyHandlerOptions): GetManyHandler {
  const endpoint = new GetManyEndpoint(repository, resolveGetManyHandlerOptions(options))
  return (input) => endpoint.handle(input)
}
