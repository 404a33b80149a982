import type { IncomingMessage, ServerResponse } from 'node:http'
import { createAdapterCore, sendNodeResponse } from '../adapter-core.js'
import type { GetManyRepository } from '../get-many-endpoint.js'
import type { GetManyAdapterOptions } from '../get-many-handler-options.js'
import { readJsonBody } from '../read-json-body.js'

/** Options of {@link createNodeHttpGetManyHandler}; `authenticate` receives the `IncomingMessage`. */
export type NodeHttpGetManyOptions = GetManyAdapterOptions<IncomingMessage>

/**
 * A node:http listener for `POST /contacts/get-many`. Route to it yourself (it answers every
 * request it is given); it reads the body, so nothing else may have read it.
 *
 * ```ts
 * const getMany = createNodeHttpGetManyHandler(contacts, { authenticate: (req) => verify(req.headers.authorization) })
 * createServer((req, res) => { if (req.method === 'POST' && req.url === '/contacts/get-many') void getMany(req, res) })
 * ```
 */
export function createNodeHttpGetManyHandler(
  repository: GetManyRepository,
  options: NodeHttpGetManyOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const { serve } = createAdapterCore(repository, options, (request: IncomingMessage, limits) =>
    readJsonBody(request, request.headers, limits),
  )
  return async (request, response) => {
    sendNodeResponse(response, await serve(request, request))
  }
}
