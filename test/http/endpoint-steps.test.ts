// POST /contacts/get-many runs each of its steps once, in order, and reads the body only for
// a caller holding the scope: on the endpoint itself, and through each adapter's real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { GetManyEndpoint, type EndpointSources, type GetManyRepository } from '../../src/http/get-many-endpoint.js'
import { resolveHandlerOptions } from '../../src/http/get-many-handler-options.js'
import type { BodyRead } from '../../src/http/read-json-body.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ADAPTERS, post, startServer } from './helpers/servers.js'

/** A Set that counts the scope checks made on it. */
class CountingScopes extends Set<string> {
  checks = 0
  override has(scope: string): boolean {
    this.checks++
    return super.has(scope)
  }
}

describe('G-HTTP-AUTH: the endpoint, step by step (sources and repository recorded)', () => {
  interface Request { readonly auth: unknown; readonly body: BodyRead }
  const steps: string[] = []
  const sources: EndpointSources<Request> = {
    authenticate: (request) => { steps.push('authenticate'); return request.auth as never },
    readBody: (request) => { steps.push('readBody'); return Promise.resolve(request.body) },
  }
  const repository: GetManyRepository = {
    getMany: (tenantId, ids) => {
      steps.push(`getMany(${tenantId}, [${ids.join(',')}])`)
      return Promise.resolve({ rows: [], missing: [...ids], stale: [] } as never)
    },
  }
  let generated = 0
  const endpoint = new GetManyEndpoint(
    repository,
    resolveHandlerOptions({ generateRequestId: () => { steps.push('requestId'); return `gen-${++generated}` } }),
    sources,
  )
  const reader = { tenantId: 7, scopes: ['contacts:read'] }
  const json = (value: unknown): BodyRead => ({ ok: true, value })

  it.each([
    ['no caller', { auth: null, body: json({ ids: [1] }) }, 401, ['requestId', 'authenticate']],
    ['no scope', { auth: { tenantId: 7, scopes: [] }, body: json({ ids: [1] }) }, 403, ['requestId', 'authenticate']],
    ['a malformed auth', { auth: { tenantId: 0, scopes: [] }, body: json({ ids: [1] }) }, 500, ['requestId', 'authenticate']],
    ['a body refused by the reader', { auth: reader, body: { ok: false, kind: 'body-too-large', detail: 'x' } }, 413, ['requestId', 'authenticate', 'readBody']],
    ['an invalid body', { auth: reader, body: json({ ids: [0] }) }, 422, ['requestId', 'authenticate', 'readBody']],
    ['a valid body', { auth: reader, body: json({ ids: [3, 2] }) }, 200, ['requestId', 'authenticate', 'readBody', 'getMany(7, [3,2])']],
  ] as const)('%s: status %i after exactly these steps', async (_label, request, status, expected) => {
    steps.length = 0
    const response = await endpoint.respond(request, undefined)
    expect(response.status).toBe(status)
    expect(steps).toEqual(expected)
  })

  it('takes an async authenticate, and answers its rejection 500 without reading the body', async () => {
    steps.length = 0
    const failing = new GetManyEndpoint(repository, resolveHandlerOptions(), {
      authenticate: () => { steps.push('authenticate'); return Promise.reject(new Error('token service down')) },
      readBody: sources.readBody,
    })
    expect((await failing.respond({ auth: reader, body: json({ ids: [1] }) }, 'r-1')).status).toBe(500)
    expect(steps).toEqual(['authenticate'])
  })
})

describe.each(ADAPTERS)('G-HTTP-AUTH: through the %s adapter, per request', (adapter) => {
  let backend: TestBackend
  let repository: ContactRepository
  const counts = { authenticate: 0, getMany: 0, requestIds: 0 }
  let scopes = new CountingScopes(['contacts:read'])

  beforeAll(async () => {
    backend = await openBackend('sqlite', `http_steps_${adapter.replace('-', '_')}`)
    await backend.insert([seed(1, 1)])
    repository = new ContactRepository({ db: backend.db, table: backend.table })
  })
  afterAll(async () => {
    await repository.close()
    await backend.close()
  })

  it('authenticates once, checks the scope once, makes one request ID and one getMany call', async () => {
    const counted: GetManyRepository = {
      getMany: (tenantId, ids, options) => { counts.getMany++; return repository.getMany(tenantId, ids, options) },
    }
    const server = await startServer(adapter, counted, {
      authenticate: () => { counts.authenticate++; return { tenantId: 1, scopes } },
      generateRequestId: () => `gen-${++counts.requestIds}`,
    })
    try {
      const ok = await post(server.url, '{"ids":[1]}')
      expect(ok.status).toBe(200)
      expect({ ...counts, checks: scopes.checks }).toEqual({ authenticate: 1, getMany: 1, requestIds: 1, checks: 1 })
      scopes = new CountingScopes([])
      const denied = await post(server.url, '{"ids":[1]}')
      expect(denied.status).toBe(403)
      expect({ ...counts, checks: scopes.checks }).toEqual({ authenticate: 2, getMany: 1, requestIds: 2, checks: 1 })
    } finally {
      await server.close()
    }
  })
})
