import type { Request, RequestHandler } from 'express'
import { createAdapterCore, sendNodeResponse } from '../adapter-core.js'
import type { GetManyRepository } from '../get-many-endpoint.js'
import type { GetManyAdapterOptions } from '../get-many-handler-options.js'
import { readJsonBody } from '../read-json-body.js'

/** Options of {@link createExpressGetManyHandler}; `authenticate` receives the Express `Request`. */
export type ExpressGetManyOptions = GetManyAdapterOptions<Request>

/**
 * An Express 5 handler for `POST /contacts/get-many`: `app.post('/contacts/get-many', handler)`.
 * It reads the body itself, with its limits. Mount no body parser in front of it; if one
 * already parsed the body, that value is used and the parser's own limits and errors apply.
 */
export function createExpressGetManyHandler(
  repository: GetManyRepository,
  options: ExpressGetManyOptions,
): RequestHandler {
  const { serve } = createAdapterCore(repository, options, (request: Request, limits) => {
    const parsed: unknown = request.body
    return parsed === undefined ? readJsonBody(request, request.headers, limits) : { ok: true, value: parsed }
  })
  return async (request, response) => {
    sendNodeResponse(response, await serve(request, request))
  }
}
