// What the adapters own, through real listening servers and real HTTP requests.
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { createExpressGetManyHandler } from '../../src/http/adapters/express.js'
import { createFastifyGetManyPlugin } from '../../src/http/adapters/fastify.js'
import { createNodeHttpGetManyHandler } from '../../src/http/adapters/node-http.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { expectProblem } from './helpers/problem-assertions.js'
import { ADAPTERS, post, startServer, type RunningServer } from './helpers/servers.js'

/** Sends with node:http to see the headers fetch hides (`connection`). */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      res.resume()
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers }) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

let backend: TestBackend
let repository: ContactRepository

beforeAll(async () => {
  backend = await openBackend('sqlite', 'http_adapters')
  await backend.insert([seed(1, 1), seed(1, 2), seed(2, 3)])
  repository = new ContactRepository({ db: backend.db, table: backend.table })
})
afterAll(async () => {
  await repository.close()
  await backend.close()
})

describe.each(ADAPTERS)('G-HTTP-CONTRACT: the %s adapter', (adapter) => {
  let server: RunningServer
  beforeAll(async () => { server = await startServer(adapter, repository) })
  afterAll(async () => { await server.close() })

  it('answers 200 as application/json with the request ID echoed', async () => {
    const reply = await post(server.url, '{"ids":[2,1,3]}', { requestId: 'trace-42', contentType: 'application/json; charset=UTF-8' })
    expect(reply.status).toBe(200)
    expect(reply.headers.get('content-type')).toBe('application/json')
    expect(reply.headers.get('x-request-id')).toBe('trace-42')
    expect(reply.headers.get('cache-control')).toBe('no-store')
    expect(reply.body).toMatchObject({
      data: [{ id: 2 }, { id: 1 }],
      meta: { request_id: 'trace-42', pagination: { cursor: null, has_more: false, count: 2 }, requested: 3, returned: 2 },
    })
  })

  it('replaces an unusable X-Request-Id', async () => {
    const reply = await post(server.url, '{"ids":[1]}', { requestId: 'x'.repeat(129) })
    expect(reply.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('G-HTTP-AUTH: answers 401 without credentials, with WWW-Authenticate', async () => {
    const reply = await post(server.url, '{"ids":[1]}', { token: null })
    expectProblem(reply, 401, 'unauthenticated')
    expect(reply.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('G-HTTP-AUTH: answers 403 to a caller without the scope before reading the body, however bad', async () => {
    const statements = await backend.selectCount()
    for (const [body, contentType] of [
      ['{"ids":[1]}', 'application/json'],
      [`{"ids":[${'1,'.repeat(512 * 1024)}1]}`, 'application/json'],
      ['{"ids":[', 'application/json'],
      ['ids=1', 'text/plain'],
    ] as const) {
      expectProblem(await post(server.url, body, { token: 'no-scope', contentType }), 403, 'insufficient-scope')
    }
    expect(await backend.selectCount()).toBe(statements)
  })

  it('closes the connection after refusing a large body it did not read, and only then', async () => {
    const json = { authorization: 'Bearer tenant-1', 'content-type': 'application/json' }
    const big = await rawPost(server.url, 'x'.repeat(9000), { ...json, 'content-length': '9000' })
    expect(big).toMatchObject({ status: 413, headers: { connection: 'close' } })
    // A small unread body is drained by Node; the connection stays usable.
    const small = await rawPost(server.url, '{"ids":[1]}', { ...json, authorization: 'Bearer no-scope', connection: 'keep-alive' })
    expect(small.status).toBe(403)
    expect(small.headers.connection).not.toBe('close')
    const read = await rawPost(server.url, '{"ids":[1', { ...json, connection: 'keep-alive' })
    expect(read.status).toBe(400)
    expect(read.headers.connection).not.toBe('close')
  })
})

describe.each(ADAPTERS)('the %s adapter options', (adapter) => {
  it('applies bodyLimit and maxDepth', async () => {
    const server = await startServer(adapter, repository, { bodyLimit: 100, maxDepth: 3 })
    try {
      const ids = JSON.stringify({ ids: Array.from({ length: 40 }, (_, i) => i + 1) })
      expect(ids.length).toBeGreaterThan(100)
      expectProblem(await post(server.url, ids), 413, 'body-too-large')
      expectProblem(await post(server.url, '{"ids":[[[1]]]}'), 400, 'malformed-body')
      expect((await post(server.url, '{"ids":[[1]]}')).status).toBe(422)
    } finally {
      await server.close()
    }
  })

  it('answers 500 and calls onError when authenticate throws, and awaits an async authenticate', async () => {
    const seen: unknown[] = []
    const failing = await startServer(adapter, repository, {
      authenticate: () => { throw new Error('token service down') },
      onError: (error) => seen.push(error),
    })
    const asynchronous = await startServer(adapter, repository, {
      authenticate: (() => Promise.resolve({ tenantId: 2, scopes: ['contacts:read'] })) as never,
    })
    try {
      const reply = await post(failing.url, '{"ids":[1]}')
      expectProblem(reply, 500, 'internal-error')
      expect(reply.text).not.toContain('token service')
      expect(seen).toEqual([expect.objectContaining({ message: 'token service down' })])
      expect((await post(asynchronous.url, '{"ids":[3]}')).body).toMatchObject({ data: [{ id: 3 }] })
    } finally {
      await failing.close()
      await asynchronous.close()
    }
  })
})

describe('adapter construction', () => {
  const factories = [
    ['node-http', createNodeHttpGetManyHandler],
    ['express', createExpressGetManyHandler],
    ['fastify', createFastifyGetManyPlugin],
  ] as const
  it.each(factories)('%s refuses bad options with a TypeError', (_name, create) => {
    const authenticate = (): undefined => undefined
    expect(() => create(repository, {} as never)).toThrow('options.authenticate')
    expect(() => create(repository, { authenticate, bodyLimit: 0 })).toThrow('options.bodyLimit')
    expect(() => create(repository, { authenticate, maxDepth: 1 })).toThrow('options.maxDepth')
    expect(() => create(repository, { authenticate, requiredScope: '' })).toThrow('options.requiredScope')
    expect(() => create(repository, { authenticate, bodylimit: 1 } as never)).toThrow('options.bodylimit is not an option')
  })
})

describe('express specifics', () => {
  it('uses the body an express.json() mounted in front already parsed', async () => {
    const server = await startServer('express', repository, { expressJsonFirst: true })
    try {
      expect((await post(server.url, '{"ids":[2]}')).body).toMatchObject({ data: [{ id: 2 }] })
      const reply = await post(server.url, '{"ids":["2"]}')
      expectProblem(reply, 422, 'validation-failed')
    } finally {
      await server.close()
    }
  })
})

describe('fastify specifics', () => {
  let server: RunningServer
  beforeAll(async () => { server = await startServer('fastify', repository) })
  afterAll(async () => { await server.close() })

  it("leaves the app's other routes with Fastify's own JSON parsing", async () => {
    const reply = await post(`${server.origin}/echo`, '{"a":[1]}')
    expect(reply).toMatchObject({ status: 200, body: { echoed: { a: [1] } } })
  })

  it('answers a Content-Type Fastify cannot parse with the same 415 problem', async () => {
    const reply = await post(server.url, '{"ids":[1]}', { contentType: '/json' })
    expectProblem(reply, 415, 'unsupported-media-type')
  })

  it('serves under a register prefix and a custom path', async () => {
    const { default: Fastify } = await import('fastify')
    const app = Fastify()
    await app.register(
      createFastifyGetManyPlugin(repository, { authenticate: () => ({ tenantId: 1, scopes: ['contacts:read'] }), path: '/batch' }),
      { prefix: '/v2/contacts' },
    )
    await app.listen({ host: '127.0.0.1', port: 0 })
    try {
      const { port } = app.server.address() as { port: number }
      const reply = await post(`http://127.0.0.1:${port}/v2/contacts/batch`, '{"ids":[1]}')
      expect(reply.body).toMatchObject({ data: [{ id: 1 }] })
    } finally {
      await app.close()
    }
  })
})
