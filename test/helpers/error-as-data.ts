// Run-time errors are data (README, Failure modes): callers match on `code` and read the fields,
// so each error class is checked for all of them at once, by test/unit/errors.test.ts and by
// test/binlog/units.test.ts for the binlog's own.
import { expect } from 'vitest'
import { ContactRepositoryError } from '../../src/errors.js'

/** What an error must carry. */
export interface ErrorAsData {
  readonly name: string
  readonly code: string
  readonly message: string
  readonly transient: boolean
  /** Its own fields, `cause` included when it has one; without `cause`, it must have none. */
  readonly fields: Readonly<Record<string, unknown>>
}

/** Checks that `error` is a `base` (and so a ContactRepositoryError) carrying `expected`. */
export function expectErrorAsData(
  error: unknown,
  base: abstract new (...args: never[]) => ContactRepositoryError,
  expected: ErrorAsData,
): void {
  expect(error).toBeInstanceOf(base)
  expect(error).toBeInstanceOf(ContactRepositoryError)
  const actual = error as ContactRepositoryError
  expect({ name: actual.name, code: actual.code, message: actual.message, transient: actual.transient }).toEqual({
    name: expected.name, code: expected.code, message: expected.message, transient: expected.transient,
  })
  expect(actual).toMatchObject(expected.fields)
  if (!('cause' in expected.fields)) expect('cause' in actual).toBe(false)
}
