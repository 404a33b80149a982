// The core's ID checks, word for word. test/http/id-rules.test.ts holds them to the zod schema's
// answers, but both sides build their messages from src/validation/validation-issue.ts, so a
// wrong word there would agree with itself: each code and message is pinned here, once.
import { describe, expect, it } from 'vitest'
import { ContactValidationError } from '../../src/errors.js'
import { MAX_REPORTED_ISSUES, assertIdList, assertTenantId, describeId } from '../../src/validation/id-schema.js'
import {
  NOT_INTEGER,
  NOT_POSITIVE,
  NOT_SAFE_INTEGER,
  REQUIRED,
  invalidType,
} from '../../src/validation/validation-issue.js'

function thrown(check: () => void): ContactValidationError {
  try {
    check()
  } catch (error) {
    expect(error).toBeInstanceOf(ContactValidationError)
    return error as ContactValidationError
  }
  throw new Error('the check passed')
}

describe('the wording of every issue', () => {
  it('names each fixed issue with its code and message', () => {
    expect(REQUIRED).toEqual({ code: 'required', message: 'Required' })
    expect(NOT_POSITIVE).toEqual({ code: 'not_positive', message: 'Must be greater than 0' })
    expect(NOT_INTEGER).toEqual({ code: 'not_integer', message: 'Must be an integer' })
    expect(NOT_SAFE_INTEGER).toEqual({ code: 'not_safe_integer', message: 'Must be at most 9007199254740991 (a safe integer)' })
    // Frozen: they are shared by every error that reports them.
    for (const issue of [REQUIRED, NOT_POSITIVE, NOT_INTEGER, NOT_SAFE_INTEGER]) expect(Object.isFrozen(issue)).toBe(true)
  })

  it.each([
    ['integer', 'x', 'Must be an integer, not a string'],
    ['integer', null, 'Must be an integer, not null'],
    ['integer', [1], 'Must be an integer, not an array'],
    ['integer', { id: 1 }, 'Must be an integer, not an object'],
    ['integer', true, 'Must be an integer, not a boolean'],
    ['integer', 1n, 'Must be an integer, not a bigint'],
    ['array', 'x', 'Must be an array, not a string'],
    ['string', 5, 'Must be a string, not a number'],
    ['object', undefined, 'Must be an object, not a undefined'],
  ])('invalidType(%j, %s) says "%s"', (expected, input, message) => {
    expect(invalidType(expected, input)).toEqual({ code: 'invalid_type', message })
  })
})

describe('G-VALIDATION: describeId', () => {
  it.each([
    [1, undefined],
    [Number.MAX_SAFE_INTEGER, undefined],
    [undefined, REQUIRED],
    ['1', invalidType('integer', '1')],
    [null, invalidType('integer', null)],
    [0, NOT_POSITIVE],
    [-0, NOT_POSITIVE],
    [-1, NOT_POSITIVE],
    [-(2 ** 53), NOT_POSITIVE], // an unsafe integer below zero is first of all not positive
    [Number.NEGATIVE_INFINITY, NOT_POSITIVE],
    [2 ** 53, NOT_SAFE_INTEGER],
    [Number.POSITIVE_INFINITY, NOT_SAFE_INTEGER],
    [0.5, NOT_INTEGER],
    [-0.5, NOT_INTEGER],
    [Number.NaN, NOT_INTEGER],
  ])('%s: %j', (value, issue) => {
    expect(describeId(value)).toEqual(issue)
  })
})

describe('assertTenantId', () => {
  it('passes an ID and refuses the rest, under the argument name given', () => {
    expect(() => { assertTenantId(7); }).not.toThrow()
    expect(thrown(() => { assertTenantId(0); }).issues).toEqual([{ ...NOT_POSITIVE, path: ['tenantId'] }])
    expect(thrown(() => { assertTenantId('7', 'auth.tenantId'); }).issues).toEqual([
      { ...invalidType('integer', '7'), path: ['auth.tenantId'] },
    ])
    expect(thrown(() => { assertTenantId(undefined); }).message).toBe('Invalid argument tenantId: Required')
  })
})

describe('G-VALIDATION: assertIdList', () => {
  it('passes a list of IDs, the empty list included', () => {
    expect(() => { assertIdList([]); }).not.toThrow()
    expect(() => { assertIdList([1, 2, Number.MAX_SAFE_INTEGER]); }).not.toThrow()
  })

  it('refuses what is not an array as one issue at the argument itself', () => {
    expect(thrown(() => { assertIdList(undefined); }).issues).toEqual([{ ...REQUIRED, path: ['ids'] }])
    expect(thrown(() => { assertIdList('1,2', 'contactIds'); }).issues).toEqual([
      { code: 'invalid_type', message: 'Must be an array, not a string', path: ['contactIds'] },
    ])
  })

  it('reports each bad entry from the first on, by index, and skips the good ones', () => {
    expect(thrown(() => { assertIdList([1, 0, 2, 'x', 3]); }).issues).toEqual([
      { ...NOT_POSITIVE, path: ['ids', 1] },
      { ...invalidType('integer', 'x'), path: ['ids', 3] },
    ])
  })

  it('checks the holes of a sparse array as missing IDs', () => {
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point
    expect(thrown(() => { assertIdList([1, , 3]); }).issues).toEqual([{ ...REQUIRED, path: ['ids', 1] }])
  })

  it(`reports at most ${String(MAX_REPORTED_ISSUES)} issues, the first ones`, () => {
    expect(MAX_REPORTED_ISSUES).toBe(20)
    const issues = thrown(() => { assertIdList(Array.from({ length: 50 }, (_, i) => -i)); }).issues
    expect(issues.map((issue) => issue.path[1])).toEqual(Array.from({ length: 20 }, (_, i) => i))
    // Exactly at the cap: every issue, nothing cut.
    expect(thrown(() => { assertIdList([1, ...Array.from({ length: 20 }, () => 0)]); }).issues).toHaveLength(20)
  })
})
