import type { Readable } from 'node:stream'
import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import { createAdapterCore } from '../adapter-core.js'
import type { GetManyRepository } from '../get-many-endpoint.js'
import type { GetManyAdapterOptions } from '../get-many-handler-options.js'
import { readJsonBody } from '../read-json-body.js'
import { stringOption } from '../../validation/option-checks.js'

/** Options of {@link createFastifyGetManyPlugin}; `authenticate` receives the `FastifyRequest`. */
export interface FastifyGetManyOptions extends GetManyAdapterOptions<FastifyRequest> {
  /**
   * Route path, below any `prefix` given to `register`.
   * @default '/contacts/get-many'
   */
  readonly path?: string
}

/**
 * A Fastify 5 plugin serving `POST /contacts/get-many`: `app.register(createFastifyGetManyPlugin(...))`.
 * Inside its own (encapsulated) context it replaces the content-type parsers by one that leaves
 * the body unread, so that the caller is checked before the body is read and the body's
 * limits and errors are the same as with the other adapters; your other routes are unaffected.
 */
export function createFastifyGetManyPlugin(
  repository: GetManyRepository,
  options: FastifyGetManyOptions,
): FastifyPluginCallback {
  const { path: given, ...rest } = options
  const path = stringOption({ path: given }, 'path', '/contacts/get-many', 'a path starting with "/"', (p) => p.startsWith('/'))
  const { serve, endpoint } = createAdapterCore(repository, rest, (request: FastifyRequest, limits) =>
    // The body is the unread payload our parser below handed over (or the raw request).
    readJsonBody((request.body as Readable | undefined) ?? request.raw, request.headers, limits),
  )
  return (app, _options, done) => {
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_request, payload, parsed) => { parsed(null, payload) })
    // Fastify's own refusals (an unparseable Content-Type) get the same problem shape.
    app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
      const requestId = endpoint.requestId(request.headers['x-request-id'])
      const problem =
        error.statusCode === 415
          ? endpoint.problem('unsupported-media-type', requestId, 'Send the body as JSON, with "Content-Type: application/json".')
          : endpoint.fail(error, requestId, undefined)
      return reply.code(problem.status).headers(problem.headers).send(Buffer.from(JSON.stringify(problem.body)))
    })
    app.post(path, async (request, reply) => {
      const answer = await serve(request, request.raw)
      // A Buffer, so that Fastify sends the content type as given (a string would get "; charset=utf-8");
      // Fastify sets its content-length.
      return reply.code(answer.status).headers(answer.headers).send(Buffer.from(answer.text))
    })
    done()
  }
}
