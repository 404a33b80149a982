// What every adapter shares, on stand-ins for Node's request and response: whether the
// connection must close after an answer (a body left unread) and how an answer is written.
// The adapters' real servers are tested in test/http/adapters.test.ts.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, expect, it, vi } from 'vitest'
import { createAdapterCore, sendNodeResponse, type SerializedAnswer } from '../../src/http/adapter-core.js'

const BODY_LIMIT = 100

/** An adapter core whose requests are all anonymous: a 401 that reads no body and no database. */
function anonymousCore() {
  const getMany = vi.fn()
  const readBody = vi.fn()
  const core = createAdapterCore({ getMany }, { authenticate: () => null, bodyLimit: BODY_LIMIT }, readBody)
  return { core, getMany, readBody }
}

const raw = (readableEnded: boolean, headers: Record<string, string>): IncomingMessage =>
  ({ readableEnded, headers }) as unknown as IncomingMessage

describe('createAdapterCore: closing the connection after an answer', () => {
  it.each([
    ['a body read to its end', true, { 'content-length': '5000' }, false],
    ['an unread body declared at the limit (Node drains it)', false, { 'content-length': String(BODY_LIMIT) }, false],
    ['an unread body declared under the limit', false, { 'content-length': '1' }, false],
    ['an unread body declared over the limit', false, { 'content-length': String(BODY_LIMIT + 1) }, true],
    ['an unread chunked body (no length)', false, { 'transfer-encoding': 'chunked' }, true],
  ])('%s: close is %s', async (_, ended, headers, close) => {
    const { core, getMany, readBody } = anonymousCore()
    const answer = await core.serve({}, raw(ended, { ...headers, 'x-request-id': 'req-1' }))
    expect(answer.status).toBe(401)
    expect(answer.headers['x-request-id']).toBe('req-1')
    expect(answer.headers.connection).toBe(close ? 'close' : undefined)
    expect(JSON.parse(answer.text)).toMatchObject({ status: 401 })
    expect(getMany).not.toHaveBeenCalled()
    expect(readBody).not.toHaveBeenCalled()
  })
})

describe('sendNodeResponse', () => {
  const answer: SerializedAnswer = { status: 200, headers: { 'content-type': 'application/json' }, text: '{"name":"Zoë"}' }

  function response(state: { headersSent: boolean; destroyed: boolean }) {
    const writeHead = vi.fn()
    const end = vi.fn()
    return { response: { ...state, writeHead, end } as unknown as ServerResponse, writeHead, end }
  }

  it('writes the status, the headers with the length in bytes, and the text', () => {
    const { response: res, writeHead, end } = response({ headersSent: false, destroyed: false })
    sendNodeResponse(res, answer)
    expect(writeHead).toHaveBeenCalledWith(200, { 'content-type': 'application/json', 'content-length': '15' })
    expect(end).toHaveBeenCalledWith(answer.text)
  })

  it.each([
    ['headers already sent', { headersSent: true, destroyed: false }],
    ['a response destroyed (the client left)', { headersSent: false, destroyed: true }],
  ])('writes nothing once %s', (_, state) => {
    const { response: res, writeHead, end } = response(state)
    sendNodeResponse(res, answer)
    expect(writeHead).not.toHaveBeenCalled()
    expect(end).not.toHaveBeenCalled()
  })
})
