// The OpenAPI document: checked in as generated, structurally valid as API tools read it
// (swagger-parser), and an independent validator (ajv, not zod) agrees with real responses of
// every status and with the handler about valid requests. `redocly lint` runs in .ci/run.
import { readFileSync } from 'node:fs'
import SwaggerParser from '@apidevtools/swagger-parser'
import type { Kysely } from 'kysely'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { createGetManyOpenApiDocument, getManyResponseSchema, problemSchema } from '../../src/http/index.js'
import { BACKENDS, openBackend, seed, type BackendName, type TestBackend } from '../helpers/backends.js'
import { openRefusedDatabase } from '../helpers/refused-database.js'
import { INVALID_BODIES } from './helpers/bad-bodies.js'
import { ADAPTERS, PATH, post, startServer, type AdapterName, type Reply, type RunningServer } from './helpers/servers.js'

// ajv-formats is CommonJS; under NodeNext its default export is typed as the module object.
const addFormats = addFormatsModule.default

const checkedIn = readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')
interface DocumentedResponse {
  readonly content: Record<string, unknown>
  readonly headers: Record<string, { readonly $ref?: string }>
}
interface Document {
  readonly openapi: string
  readonly info: { readonly license?: unknown }
  readonly servers?: readonly { readonly url: string }[]
  readonly paths: Record<string, {
    readonly post: { readonly responses: Record<string, DocumentedResponse>; readonly security?: unknown }
  }>
  readonly components: { readonly securitySchemes?: Record<string, unknown> }
}
const document = JSON.parse(checkedIn) as Document
const responses = document.paths[PATH]?.post.responses ?? {}

const ajv = new Ajv2020({ allErrors: true, strict: true })
addFormats(ajv)
// The document's own top-level fields are not JSON Schema keywords; everything below is checked strictly.
ajv.addVocabulary(['openapi', 'info', 'servers', 'paths', 'components'])
ajv.addSchema(document, 'openapi.json')

const escape = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1')
const operationPointer = `openapi.json#/paths/${escape(PATH)}/post`

function validatorAt(pointer: string): ValidateFunction {
  const validate = ajv.getSchema(pointer)
  if (validate === undefined) throw new Error(`no schema at ${pointer}`)
  return validate
}

/** Checks a real reply against the document: status documented, content type, body and headers. */
function expectConforms(reply: Reply): void {
  const response = responses[String(reply.status)]
  expect(response, `status ${reply.status} is documented`).toBeDefined()
  const contentType = reply.headers.get('content-type') ?? ''
  expect(Object.keys(response!.content)).toContain(contentType)
  const validate = validatorAt(`${operationPointer}/responses/${reply.status}/content/${escape(contentType)}/schema`)
  expect(validate(reply.body) ? [] : validate.errors).toEqual([])
  for (const [name, header] of Object.entries(response!.headers)) {
    const value = reply.headers.get(name)
    expect(value, `header ${name} of a ${reply.status}`).not.toBeNull()
    const pointer = header.$ref === undefined ? null : `openapi.json${header.$ref}/schema`
    if (pointer === null) continue
    const check = validatorAt(pointer)
    expect(check(value) ? [] : check.errors).toEqual([])
  }
}

describe('G-HTTP-CONTRACT: openapi.json', () => {
  it('is exactly what `npm run openapi` generates', () => {
    expect(checkedIn).toBe(`${JSON.stringify(createGetManyOpenApiDocument(), null, 2)}\n`)
  })

  it('is a valid OpenAPI 3.1 document for swagger-parser', async () => {
    // validate() dereferences the document it is given; a copy keeps ours intact.
    const api = await SwaggerParser.validate(structuredClone(JSON.parse(checkedIn) as object) as never)
    expect(api.info.title).toBe('Contacts get-many')
    // The check can fail: a broken reference is refused.
    const broken = JSON.parse(checkedIn.replace('"#/components/schemas/Contact"', '"#/components/schemas/Nope"')) as object
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow()
  })

  it('declares the bearer token and its scope on the operation, servers and the license', () => {
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }) as unknown,
    })
    expect(document.paths[PATH]?.post.security).toEqual([{ bearerAuth: ['contacts:read'] }])
    expect(document.servers?.length).toBeGreaterThan(0)
    expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' })
    const custom = createGetManyOpenApiDocument({ requiredScope: 'crm:read', servers: [{ url: 'https://api.example.com' }] }) as unknown as Document
    expect(custom.paths['/contacts/get-many']?.post.security).toEqual([{ bearerAuth: ['crm:read'] }])
    expect(custom.servers).toEqual([{ url: 'https://api.example.com' }])
  })

  it('documents every status the endpoint answers, and nothing else', () => {
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(responses)).toEqual([
      '200', '400', '401', '403', '413', '415', '422', '500', '503',
    ])
  })

  it('agrees with the handler on which request bodies are valid', () => {
    const request = validatorAt(`${operationPointer}/requestBody/content/application~1json/schema`)
    for (const [label, body] of INVALID_BODIES) expect(request(JSON.parse(body)), label).toBe(false)
    expect(request(JSON.parse('{"ids":[1.0]}'))).toBe(true)
    expect(request(JSON.parse('{"ids":[1e3, 9007199254740991]}'))).toBe(true)
    expect(request({ ids: Array.from({ length: 50 }, (_, i) => i + 1) })).toBe(true)
  })

  it('is rejected by the validator when a response drifts (the check can fail)', () => {
    const ok = validatorAt(`${operationPointer}/responses/200/content/application~1json/schema`)
    const contact = {
      id: 1, firstName: null, lastName: null, companyName: null, email: null, phone: null, type: 'person',
      createdAt: '2026-03-01T12:00:00.000Z', updatedAt: '2026-03-01T12:00:00.000Z',
    }
    expect(ok({ data: [contact], meta: { requested: 1, returned: 1 } })).toBe(true)
    expect(ok({ data: [{ ...contact, tenant_id: 1 }], meta: { requested: 1, returned: 1 } })).toBe(false)
    expect(ok({ data: [{ ...contact, createdAt: '2026-03-01 12:00:00' }], meta: { requested: 1, returned: 1 } })).toBe(false)
  })
})

const combos: [AdapterName, BackendName][] = ADAPTERS.flatMap((a) => BACKENDS.map((b): [AdapterName, BackendName] => [a, b]))

describe.each(combos)('G-HTTP-CONTRACT: real responses through %s on %s conform to openapi.json', (adapter, backendName) => {
  let backend: TestBackend
  const repositories: ContactRepository[] = []
  let server: RunningServer
  let failingServer: RunningServer
  let brokenServer: RunningServer
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- no table
  let refused: Kysely<any>
  const seen = new Set<number>()

  beforeAll(async () => {
    backend = await openBackend(backendName, `http_spec_${adapter}`)
    await backend.insert([seed(1, 1), seed(1, 2, { email: null, company_name: 'Acme' }), seed(2, 3)])
    const working = new ContactRepository({ db: backend.db, table: backend.table })
    // A database that refuses connections: every query fails, transiently (503).
    refused = (await openRefusedDatabase()).db
    const failing = new ContactRepository({ db: refused, table: backend.table })
    // A closed repository: every call is refused (500).
    const broken = new ContactRepository({ db: backend.db, table: backend.table })
    await broken.close()
    repositories.push(working, failing)
    server = await startServer(adapter, working)
    failingServer = await startServer(adapter, failing)
    brokenServer = await startServer(adapter, broken)
  })
  afterAll(async () => {
    await Promise.all([server.close(), failingServer.close(), brokenServer.close()])
    for (const repository of repositories) await repository.close()
    await refused.destroy()
    await backend.close()
  })

  const cases: [number, () => Promise<Reply>][] = [
    [200, () => post(server.url, '{"ids":[2,1,3,99]}')],
    [200, () => post(server.url, '{"ids":[3]}')],
    [400, () => post(server.url, '{"ids":[1,')],
    [401, () => post(server.url, '{"ids":[1]}', { token: null })],
    [403, () => post(server.url, '{"ids":[1]}', { token: 'no-scope' })],
    [413, () => post(server.url, `{"ids":[${'1,'.repeat(8192)}1]}`)],
    [415, () => post(server.url, '{"ids":[1]}', { contentType: 'text/plain' })],
    [422, () => post(server.url, '{"ids":[0,"1",1.5],"tenantId":2}')],
    [422, () => post(server.url, JSON.stringify({ ids: Array(60).fill(-1) }), { headers: {} })],
    [500, () => post(brokenServer.url, '{"ids":[1]}')],
    [503, () => post(failingServer.url, '{"ids":[1]}')],
  ]

  it.each(cases)('%i', async (status, send) => {
    const reply = await send()
    expect(reply.status).toBe(status)
    expectConforms(reply)
    // The exported zod schemas describe the same responses.
    const schema = status === 200 ? getManyResponseSchema : problemSchema
    expect(schema.safeParse(reply.body).error?.issues ?? []).toEqual([])
    seen.add(status)
  })

  it('produced and checked every documented status for real', () => {
    expect([...seen].sort()).toEqual(Object.keys(responses).map(Number))
  })
})
