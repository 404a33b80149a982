// How the endpoint answers a failure of the repository: transient failures are 503 with a
// Retry-After and a sentence saying when, anything else is a 500 that gives nothing away
// (test/http/repository-failures.test.ts drives the same through the handler).
import { describe, expect, it } from 'vitest'
import { ContactOverloadError, ContactQueryError, ContactTimeoutError } from '../../src/errors.js'
import { PROBLEM_KINDS, failureProblem } from '../../src/http/problem-kinds.js'

const INTERNAL = { kind: 'internal-error', detail: 'The request could not be completed because of an internal error. Quote the request_id when reporting it.' }
const overloaded = (retryAfterMs: unknown): unknown => ({ code: 'ERR_CONTACTS_OVERLOADED', transient: true, retryAfterMs })

describe('failureProblem', () => {
  it.each([
    [1500, 2, 'in 2 seconds'],
    [1000, 1, 'in 1 second'],
    [1, 1, 'in 1 second'],
    [0, 0, 'now'],
  ])('answers an overload with retryAfterMs %s as 503, Retry-After %s, "Retry %s"', (retryAfterMs, seconds, when) => {
    expect(failureProblem(new ContactOverloadError('tenant', retryAfterMs), 5)).toEqual({
      kind: 'service-unavailable', retryAfterSeconds: seconds, detail: `Too many contact lookups are waiting right now. Retry ${when}.`,
    })
  })

  it.each([[Number.NaN], [Infinity], [-1], ['100'], [undefined]])('takes the default Retry-After when retryAfterMs is %s', (retryAfterMs) => {
    expect(failureProblem(overloaded(retryAfterMs), 5)).toMatchObject({ retryAfterSeconds: 5, detail: 'Too many contact lookups are waiting right now. Retry in 5 seconds.' })
  })

  it('answers a timeout and a transient query failure as 503, each with its own sentence', () => {
    expect(failureProblem(new ContactTimeoutError(100, 'query'), 3)).toEqual({
      kind: 'service-unavailable', retryAfterSeconds: 3, detail: 'Loading the contacts took too long. Retry in 3 seconds.',
    })
    const dropped = Object.assign(new Error('reset'), { code: 'ECONNRESET' })
    expect(failureProblem(new ContactQueryError(1, 2, dropped), 1)).toEqual({
      kind: 'service-unavailable', retryAfterSeconds: 1, detail: 'The contact store could not be read. Retry in 1 second.',
    })
  })

  it.each([
    ['a query failure that a retry cannot fix', new ContactQueryError(1, 2, new Error('no such table'))],
    ['an error of another code', { code: 'ERR_CONTACTS_INVALID_ROW', transient: false }],
    ['an error with a numeric code', { code: 503, transient: true }],
    ['an error without a code', new Error('boom')],
    ['a string', 'ERR_CONTACTS_TIMEOUT'],
    ['null', null],
    ['undefined', undefined],
    ['an error whose code is an inherited property name', { code: 'toString', transient: true }],
    ['an error whose code is constructor', { code: 'constructor', transient: true }],
    ['an error whose code getter throws', Object.defineProperty({}, 'code', { get: () => { throw new Error('no') } })],
  ])('answers %s as 500 with a detail that gives nothing away', (_, error) => {
    expect(failureProblem(error, 5)).toEqual(INTERNAL)
  })

  it('gives each kind of problem its status and title', () => {
    expect(Object.fromEntries(Object.entries(PROBLEM_KINDS).map(([kind, info]) => [kind, info.status]))).toEqual({
      'malformed-body': 400, unauthenticated: 401, 'insufficient-scope': 403, 'body-too-large': 413,
      'unsupported-media-type': 415, 'validation-failed': 422, 'internal-error': 500, 'service-unavailable': 503,
    })
  })
})
