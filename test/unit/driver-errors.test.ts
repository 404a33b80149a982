// Which driver errors the repository treats as transient (worth a retry, and served stale under
// stale-if-error) and which as configuration errors, whatever shape the thrown value has.
import { describe, expect, it } from 'vitest'
import { isTransientDriverError } from '../../src/driver-errors.js'

const failure = (code: unknown): Error => Object.assign(new Error('query failed'), { code })

describe('isTransientDriverError', () => {
  it.each([
    'PROTOCOL_CONNECTION_LOST', // listed: mysql2's own
    'ER_LOCK_DEADLOCK', // listed: a server error
    'SQLITE_BUSY', // listed: SQLite
    'EAI_AGAIN', // listed: not of the system errors' form (an underscore)
    'ECONNRESET', // Node's system errors, by their form
    'ECONNREFUSED',
    'ETIMEDOUT',
  ])('takes %s as transient', (code) => {
    expect(isTransientDriverError(failure(code))).toBe(true)
  })

  it.each([
    'ER_NO_SUCH_TABLE',
    'ER_ACCESS_DENIED_ERROR',
    'ER_BAD_FIELD_ERROR',
    'SQLITE_ERROR',
    'EAI_NONAME', // no such host: a configuration error, and not of the system errors' form
    'E1',
    'econnreset',
    '',
  ])('takes %s as a configuration error', (code) => {
    expect(isTransientDriverError(failure(code))).toBe(false)
  })

  it.each([
    ['a code that is not a string', failure(1040)],
    ['an error without a code', new Error('no code')],
    ['null', null],
    ['undefined', undefined],
    ['a string that reads like a code', 'ECONNRESET'],
    ['a plain object with a transient code', { code: 'ECONNRESET' }],
  ])('answers for %s without throwing', (_, value) => {
    const expected = typeof value === 'object' && value !== null && (value as { code?: unknown }).code === 'ECONNRESET'
    expect(isTransientDriverError(value)).toBe(expected)
  })
})
