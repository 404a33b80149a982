import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GetManyAdapterOptions } from '../get-many-adapter-options.js'
import type { GetManyRepository } from '../get-many-handler-types.js'
import { sendNodeResponse } from '../send-node-response.js'
import { createGetManyAdapterCore } from '../serve-get-many-request.js'

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
  const { serve } = createGetManyAdapterCore(repository, options)
  return async (request, response) => {
    sendNodeResponse(response, await serve(request, request.headers, { stream: request }))
  }
}
