// The request body reader rule by rule, on in-memory streams: the content type, the limits, the
// chunks, UTF-8, emptiness, the nesting check and the syntax. test/http/bad-inputs.test.ts holds
// the same refusals through the endpoint and the adapters' real servers.
import { once } from 'node:events'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { isJsonContentType, readJsonBody, type BodyRead } from '../../src/http/read-json-body.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const LIMITS = { bodyLimit: 64, maxDepth: 3 }

const malformed = (detail: string): BodyRead => ({ ok: false, kind: 'malformed-body', detail })
const EMPTY = malformed('The request body is empty; send {"ids": [...]}.')

function read(chunks: readonly (Buffer | string)[], limits = LIMITS, headers: Record<string, string> = JSON_TYPE): Promise<BodyRead> {
  return Promise.resolve(readJsonBody(Readable.from(chunks), headers, limits))
}

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON', true],
    [' application/json ', true],
    ['application/json; charset=utf-8', true],
    ['application/json;charset=UTF-8', true],
    ['application/json; Charset = utf-8 ', true],
    ['application/json; charset="utf-8"', true],
    ['application/json; foo=bar', true], // other parameters are not about the encoding
    ['application/json; foo=bar; charset=utf-8', true],
    ['application/json; charset=latin1', false],
    ['application/json; charset', false],
    ['application/json; charset=utf-8""', false], // a quote pair not around the value
    ['application/json; charset=""utf-8', false],
    ['application/json; charset="utf-8', false],
    ['text/json', false],
    ['application/jsonx', false],
    ['', false],
    [undefined, false],
  ])('%j: %s', (header, expected) => {
    expect(isJsonContentType(header)).toBe(expected)
  })
})

describe('readJsonBody', () => {
  it('refuses another content type before reading anything', () => {
    const stream = Readable.from(['{}'])
    expect(readJsonBody(stream, { 'content-type': 'text/plain' }, LIMITS)).toEqual({
      ok: false,
      kind: 'unsupported-media-type',
      detail: 'Send the body as JSON, with "Content-Type: application/json".',
    })
    expect(stream.readableDidRead).toBe(false)
  })

  it('refuses a declared Content-Length over the limit before reading, and reads one at the limit', async () => {
    const tooLarge = { ok: false, kind: 'body-too-large', detail: 'The request body is larger than 64 bytes; a get-many request needs far less.' }
    const stream = Readable.from(['{}'])
    expect(readJsonBody(stream, { ...JSON_TYPE, 'content-length': '65' }, LIMITS)).toEqual(tooLarge)
    expect(stream.readableDidRead).toBe(false)
    expect(await read(['{}'], LIMITS, { ...JSON_TYPE, 'content-length': '64' })).toEqual({ ok: true, value: {} })
  })

  it('refuses once the bytes read pass the limit, whatever was declared, and stops reading', async () => {
    const body = `{"ids":[${'1,'.repeat(40)}1]}`
    const stream = Readable.from([body.slice(0, 40), body.slice(40)])
    const result = await readJsonBody(stream, JSON_TYPE, LIMITS)
    expect(result).toEqual({ ok: false, kind: 'body-too-large', detail: 'The request body is larger than 64 bytes; a get-many request needs far less.' })
    expect(stream.isPaused()).toBe(true)
    // Exactly at the limit is read.
    const atLimit = `{"a":"${'x'.repeat(64 - 8)}"}`
    expect(Buffer.byteLength(atLimit)).toBe(64)
    expect(await read([atLimit.slice(0, 10), atLimit.slice(10)])).toEqual({ ok: true, value: { a: 'x'.repeat(56) } })
  })

  it('stops taking data once it answered: a stream resumed after a refusal is not buffered', async () => {
    const stream = new Readable({ read() {} })
    const listening = stream.listenerCount('data')
    const result = readJsonBody(stream, JSON_TYPE, LIMITS)
    stream.push('x'.repeat(65))
    expect(await result).toMatchObject({ ok: false, kind: 'body-too-large' })
    expect(stream.listenerCount('data')).toBe(listening)
    const ended = new Readable({ read() {} })
    const parsed = readJsonBody(ended, JSON_TYPE, LIMITS)
    ended.push('{}')
    ended.push(null)
    expect(await parsed).toEqual({ ok: true, value: {} })
    expect(ended.listenerCount('data')).toBe(0)
  })

  it('joins a body sent in several chunks, Buffers and strings, in order', async () => {
    expect(await read(['{"ids":', Buffer.from('[1,'), '2,', Buffer.from('3]}')])).toEqual({ ok: true, value: { ids: [1, 2, 3] } })
  })

  it('decodes UTF-8 split across chunks, and refuses bytes that are not UTF-8', async () => {
    const bytes = Buffer.from('{"name":"Zoë"}')
    const split = bytes.indexOf(0xc3) + 1 // inside the two bytes of "ë"
    expect(await read([bytes.subarray(0, split), bytes.subarray(split)])).toEqual({ ok: true, value: { name: 'Zoë' } })
    expect(await read([Buffer.from([0x7b, 0xff, 0x7d])])).toEqual(malformed('The request body is not valid UTF-8.'))
  })

  it('calls a body with no bytes, or only blanks, empty', async () => {
    expect(await read([])).toEqual(EMPTY)
    expect(await read([' \n\t '])).toEqual(EMPTY)
  })

  it('refuses text that is not JSON', async () => {
    expect(await read(['{"ids": [1,}'])).toEqual(malformed('The request body is not valid JSON.'))
  })

  it('answers a stream already read as empty and a destroyed one as unreadable, without waiting', async () => {
    const ended = Readable.from(['{}'])
    ended.resume()
    await once(ended, 'end')
    expect(readJsonBody(ended, JSON_TYPE, LIMITS)).toEqual(EMPTY)
    const destroyed = Readable.from(['{}'])
    destroyed.destroy()
    expect(readJsonBody(destroyed, JSON_TYPE, LIMITS)).toEqual(malformed('The request body could not be read completely.'))
  })

  it.each([
    ['closed before its end', (stream: Readable) => { stream.destroy() }],
    ['failed', (stream: Readable) => { stream.destroy(new Error('reset')) }],
  ])('answers a body %s as unreadable', async (_, cut) => {
    const stream = new Readable({ read() {} })
    const result = readJsonBody(stream, JSON_TYPE, LIMITS)
    stream.push('{"ids": [1')
    await new Promise((resolve) => setImmediate(resolve))
    cut(stream)
    expect(await result).toEqual(malformed('The request body could not be read completely.'))
  })

  describe('nesting', () => {
    const tooDeep = malformed('The request body nests arrays or objects more than 3 levels deep.')

    it.each([
      ['[[[1]]]', true],
      ['[[[[1]]]]', false],
      ['{"a":{"b":{"c":1}}}', true],
      ['{"a":{"b":{"c":{}}}}', false],
      ['[[[1]],[[2]],[[3]]]', true], // closing brackets count down
      ['[{"a":{}},{"b":{}},{"c":{}}]', true], // closing braces too
      ['{"a":[[]],"b":[[]],"c":[[]]}', true],
      ['["[[[[", "{{{{"]', true], // brackets inside strings do not count
      ['["\\"[[[[", 1]', true], // nor after an escaped quote
      ['["\\\\", [[[1]]]]', false], // an escaped backslash ends its escape: the string ends there
    ])('%s: %s', async (body, accepted) => {
      const result = await read([body])
      if (accepted) expect(result).toEqual({ ok: true, value: JSON.parse(body) as unknown })
      else expect(result).toEqual(tooDeep)
    })

    it('refuses depth before syntax: a deep, unfinished body is too deep', async () => {
      expect(await read(['[[[[[[[['])).toEqual(tooDeep)
    })
  })
})
