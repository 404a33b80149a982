import { ContactValidationError } from '../errors.js'
import {
  NOT_INTEGER,
  NOT_POSITIVE,
  NOT_SAFE_INTEGER,
  REQUIRED,
  invalidType,
  type IssueDescription,
  type ValidationIssue,
} from './validation-issue.js'

/*
 * The rules of a tenant or contact ID: a positive safe integer (1 to 2^53 - 1). Nothing is
 * coerced: `"1"` stays an error, because MySQL compares `'1abc' = 1` as true; 9007199254740993,
 * which JSON parsing rounds, is refused as unsafe.
 *
 * Written by hand rather than with zod so that importing the main entry does not load zod
 * (about 100 ms of a cold start). The HTTP layer's zod schema for the same rule
 * (`idSchema` of `contact-repository/http`) and these checks are held to the same answers,
 * value by value, by a property test.
 */

/** At most this many issues are reported for one argument; the rest add nothing a caller can use. */
export const MAX_REPORTED_ISSUES = 20

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0
}

/** What is wrong with `value` as an ID, or `undefined` when it is one. */
export function describeId(value: unknown): IssueDescription | undefined {
  if (typeof value !== 'number') return value === undefined ? REQUIRED : invalidType('integer', value)
  if (Number.isSafeInteger(value)) return value > 0 ? undefined : NOT_POSITIVE
  if (Number.isInteger(value) || value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) {
    return value > 0 ? NOT_SAFE_INTEGER : NOT_POSITIVE
  }
  return NOT_INTEGER // a fraction, or NaN
}

/** Throws a {@link ContactValidationError} unless `value` is a valid tenant ID. */
export function assertTenantId(value: unknown, name = 'tenantId'): asserts value is number {
  // The plain check first: it is on every call's path, the description only on a failure's.
  if (isId(value)) return
  const issue = describeId(value) ?? NOT_POSITIVE
  throw new ContactValidationError([{ ...issue, path: [name] }])
}

/** Throws a {@link ContactValidationError} unless `value` is an array of valid contact IDs. */
export function assertIdList(value: unknown, name = 'ids'): asserts value is readonly number[] {
  if (!Array.isArray(value)) {
    throw new ContactValidationError([{ ...(value === undefined ? REQUIRED : invalidType('array', value)), path: [name] }])
  }
  // An index loop, not `every`: `every` skips the holes of a sparse array.
  for (let i = 0; i < value.length; i++) {
    if (!isId(value[i])) throw new ContactValidationError(listIssues(value, i, name))
  }
}

/** The issues of `ids` from index `first` on, at most {@link MAX_REPORTED_ISSUES}. */
function listIssues(ids: readonly unknown[], first: number, name: string): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  for (let i = first; i < ids.length && issues.length < MAX_REPORTED_ISSUES; i++) {
    const issue = describeId(ids[i])
    if (issue !== undefined) issues.push({ ...issue, path: [name, i] })
  }
  return issues
}
