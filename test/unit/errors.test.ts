// The package's run-time errors as data: each class's name, stable code, whether a retry may
// succeed, its fields and its cause. Callers match on `code` and read the fields; the messages
// are for people, so each is checked once here, where it is built.
import { describe, expect, it } from 'vitest'
import {
  ContactAbortError,
  ContactChangesClosedError,
  ContactOverloadError,
  ContactQueryError,
  ContactRepositoryClosedError,
  ContactRepositoryError,
  ContactRowError,
  ContactTimeoutError,
  ContactValidationError,
} from '../../src/errors.js'
import { InvalidationBusClosedError } from '../../src/redis/errors.js'
import { expectErrorAsData } from '../helpers/error-as-data.js'

const cause = new Error('the driver said no')
const dropped = Object.assign(new Error('connection reset'), { code: 'ECONNRESET' })

describe('run-time errors', () => {
  // Each error is built inside its test, not while the table is read: a mutation run only counts
  // code run by a test.
  it.each([
    // A query error is transient when its cause is (test/unit/driver-errors.test.ts).
    ['ContactQueryError', 'Loading 3 contact(s) of tenant 7 failed', () => new ContactQueryError(7, 3, dropped), 'ERR_CONTACTS_QUERY_FAILED', true, { tenantId: 7, batchSize: 3, cause: dropped }],
    ['ContactQueryError', 'Loading 1 contact(s) of tenant 7 failed', () => new ContactQueryError(7, 1, cause), 'ERR_CONTACTS_QUERY_FAILED', false, { tenantId: 7, batchSize: 1, cause }],
    ['ContactTimeoutError', 'No database connection became available within 250 ms', () => new ContactTimeoutError(250, 'acquire'), 'ERR_CONTACTS_TIMEOUT', true, { timeoutMs: 250, phase: 'acquire' }],
    ['ContactTimeoutError', 'Loading contacts took longer than 900 ms', () => new ContactTimeoutError(900, 'query', { cause }), 'ERR_CONTACTS_TIMEOUT', true, { timeoutMs: 900, phase: 'query', cause }],
    ['ContactAbortError', 'The operation was aborted', () => new ContactAbortError(cause), 'ERR_CONTACTS_ABORTED', false, { cause }],
    ['ContactOverloadError', 'Too many contact queries are queued for this tenant', () => new ContactOverloadError('tenant', 100), 'ERR_CONTACTS_OVERLOADED', true, { scope: 'tenant', retryAfterMs: 100 }],
    ['ContactOverloadError', 'Too many contact queries are queued', () => new ContactOverloadError('global', 50), 'ERR_CONTACTS_OVERLOADED', true, { scope: 'global', retryAfterMs: 50 }],
    ['ContactRowError', 'bad row', () => new ContactRowError('bad row', { tenantId: 4, id: 9, column: 'email', cause }), 'ERR_CONTACTS_INVALID_ROW', false, { tenantId: 4, id: 9, column: 'email', cause }],
    ['ContactRepositoryClosedError', 'The contact repository is closed', () => new ContactRepositoryClosedError(), 'ERR_CONTACTS_CLOSED', false, {}],
    ['ContactChangesClosedError', 'Changes can only be recorded while the write runs', () => new ContactChangesClosedError(), 'ERR_CONTACTS_CHANGES_CLOSED', false, {}],
    ['InvalidationBusClosedError', 'The invalidation bus is closed', () => new InvalidationBusClosedError(), 'ERR_INVALIDATION_BUS_CLOSED', false, {}],
  ] as const)('%s: %s (name, code, message, transient and fields)', (name, message, build, code, transient, fields) => {
    expectErrorAsData(build(), ContactRepositoryError, { name, code, message, transient, fields })
  })

  it('gives a row error no cause when none was given', () => {
    expect('cause' in new ContactRowError('bad row', { tenantId: 4, column: 'id' })).toBe(false)
  })

  it.each([
    [[], 'Invalid argument'],
    [[{ code: 'not_positive', path: ['tenantId'], message: 'must be positive' }], 'Invalid argument tenantId: must be positive'],
    [[{ code: 'invalid_type', path: [], message: 'must be an object' }], 'Invalid argument (root): must be an object'],
    [
      [
        { code: 'not_integer', path: ['ids', 3], message: 'must be an integer' },
        { code: 'required', path: ['tenantId'], message: 'is required' },
        { code: 'required', path: ['ids'], message: 'is required' },
      ],
      'Invalid argument ids.3: must be an integer (and 2 more)',
    ],
  ] as const)('a validation error with %j says %s, and keeps every issue as data', (issues, message) => {
    const error = new ContactValidationError(issues)
    expect(error.name).toBe('ContactValidationError')
    expect(error.code).toBe('ERR_CONTACTS_INVALID_ARGUMENT')
    expect(error.transient).toBe(false)
    expect(error.message).toBe(message)
    expect(error.issues).toEqual(issues)
  })

  it('names the base class', () => {
    expect(new ContactRepositoryError('ERR_CONTACTS_CLOSED', 'closed', false).name).toBe('ContactRepositoryError')
  })
})
