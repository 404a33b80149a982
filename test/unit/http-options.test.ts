// The HTTP layer's options, checked once when a handler, an adapter or the OpenAPI document is
// made: each refusal is a TypeError naming the option and what it must be, and each default is
// what the TSDoc says (test/unit/readme-options.test.ts ties those to the README).
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { resolveAdapterOptions, resolveHandlerOptions } from '../../src/http/get-many-handler-options.js'
import { createGetManyOpenApiDocument } from '../../src/http/get-many-openapi.js'

const authenticate = (): null => null

describe('resolveHandlerOptions and resolveAdapterOptions', () => {
  it.each([
    ['not an object', () => resolveHandlerOptions(null as never), 'options must be an object'],
    ['an unknown option', () => resolveHandlerOptions({ bodyLimit: 1 } as never), 'options.bodyLimit is not an option of the get-many handler'],
    ['an adapter without options', () => resolveAdapterOptions(null as never), 'options must be an object with at least `authenticate`'],
    ['an unknown adapter option', () => resolveAdapterOptions({ authenticate, bogus: 1 } as never), 'options.bogus is not an option of the get-many adapter'],
    ['no authenticate', () => resolveAdapterOptions({} as never), 'options.authenticate must be a function: (request) => { tenantId, scopes } or null'],
    ['an empty scope', () => resolveHandlerOptions({ requiredScope: '' }), 'options.requiredScope must be a non-empty string; got ""'],
    ['a relative problem type base', () => resolveHandlerOptions({ problemTypeBase: 'no scheme' }), 'options.problemTypeBase must be a string that makes an absolute URI; got "no scheme"'],
    ['a header value that is not printable ASCII', () => resolveHandlerOptions({ wwwAuthenticate: 'Bearer é' }), 'options.wwwAuthenticate must be a non-empty header value of printable ASCII; got "Bearer é"'],
    ['an empty header value', () => resolveHandlerOptions({ wwwAuthenticate: '' }), 'options.wwwAuthenticate must be a non-empty header value of printable ASCII; got ""'],
  ])('refuses %s', (_, resolve, message) => {
    expect(resolve).toThrow(new TypeError(message))
  })

  it('keeps a caller\'s request ID generator, and leaves the default, randomUUID, as none to check', () => {
    const generate = (): string => 'id-1'
    expect(resolveHandlerOptions({ generateRequestId: generate }).generateRequestId).toBe(generate)
    expect(resolveHandlerOptions({ generateRequestId: randomUUID }).generateRequestId).toBeUndefined()
    expect(resolveHandlerOptions().generateRequestId).toBeUndefined()
  })

  it('accepts a header value of printable ASCII and a base that makes an absolute URI', () => {
    const resolved = resolveHandlerOptions({ wwwAuthenticate: 'Bearer realm="crm"', problemTypeBase: 'urn:problems:' })
    expect(resolved.wwwAuthenticate).toBe('Bearer realm="crm"')
    expect(resolved.problemTypeBase).toBe('urn:problems:')
  })
})

describe('createGetManyOpenApiDocument options', () => {
  it.each([
    ['not an object', { options: null }, 'options must be an object'],
    ['an unknown option', { options: { bogus: 1 } }, 'options.bogus is not an option of createGetManyOpenApiDocument'],
    ['a path without its leading slash', { options: { path: 'contacts/get-many/' } }, 'options.path must be a path starting with "/"; got "contacts/get-many/"'],
    ['a problem type base that is not a string', { options: { problemTypeBase: 5 } }, 'options.problemTypeBase must be a string; got 5'],
    ['an empty scope', { options: { requiredScope: '' } }, 'options.requiredScope must be a non-empty string; got ""'],
    ['an empty title', { options: { title: '' } }, 'options.title must be a non-empty string; got ""'],
    ['an empty version', { options: { version: '' } }, 'options.version must be a non-empty string; got ""'],
    ['servers that are not an array', { options: { servers: { url: '/' } } }, 'options.servers must be an array of { url, description? }'],
  ])('refuses %s', (_, { options }, message) => {
    expect(() => createGetManyOpenApiDocument(options as never)).toThrow(new TypeError(message))
  })

  it('takes any string as the problem type base, and non-empty names as they are', () => {
    const document = createGetManyOpenApiDocument({ problemTypeBase: '', title: 'T', version: 'v', requiredScope: 's', path: '/p' }) as unknown as {
      info: { title: string; version: string }
      paths: Record<string, unknown>
    }
    expect(document.info).toMatchObject({ title: 'T', version: 'v' })
    expect(Object.keys(document.paths)).toEqual(['/p'])
  })
})
