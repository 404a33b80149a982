import type { Request, RequestHandler } from 'express'
import type { GetManyAdapterOptions } from '../get-many-adapter-options.js'
import type { GetManyRepository } from '../get-many-handler-types.js'
import { sendNodeResponse } from '../send-node-response.js'
import { createGetManyAdapterCore } from '../serve-get-many-request.js'

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
  const { serve } = createGetManyAdapterCore(repository, options)
  return async (request, response) => {
    const parsed: unknown = request.body
    const source = parsed === undefined ? { stream: request } : { parsed }
    sendNodeResponse(response, await serve(request, request.headers, source))
  }
}
