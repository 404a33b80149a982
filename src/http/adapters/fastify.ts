import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import type { GetManyAdapterOptions } from '../get-many-adapter-options.js'
import type { GetManyRepository } from '../get-many-handler-types.js'
import { createGetManyAdapterCore } from '../serve-get-many-request.js'

/** Options of {@link createFastifyGetManyPlugin}; `authenticate` receives the `FastifyRequest`. */
export interface FastifyGetManyOptions extends GetManyAdapterOptions<FastifyRequest> {
  /** Route path, below any `prefix` given to `register`. Default `'/contacts/get-many'`. */
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
  const { path = '/contacts/get-many', ...rest } = options
  const { serve, endpoint } = createGetManyAdapterCore(repository, rest)
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
      const stream = (request.body as AsyncIterable<unknown> | undefined) ?? request.raw
      const answer = await serve(request, request.headers, { stream })
      // A Buffer, so that Fastify sends the content type as given (a string would get "; charset=utf-8").
      return reply.code(answer.status).headers(answer.headers).send(Buffer.from(answer.text))
    })
    done()
  }
}
