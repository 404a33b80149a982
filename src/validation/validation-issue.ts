/**
 * Stable codes for what was wrong with an input value. They are ours, not zod's, so a
 * zod upgrade cannot change what callers (and the 422 body) see.
 */
export type ValidationIssueCode =
  | 'required'
  | 'invalid_type'
  | 'not_integer'
  | 'not_positive'
  | 'not_safe_integer'
  | 'too_few_items'
  | 'too_many_items'
  | 'unrecognized_key'
  | 'invalid'

/** One problem with an input, as data. Formatting (`ids[3]`, a sentence) is left to the presenter. */
export interface ValidationIssue {
  readonly code: ValidationIssueCode
  /** Where the problem is: `['ids', 3]`, `['tenantId']`, or `[]` for the value itself. */
  readonly path: readonly (string | number)[]
  readonly message: string
}

/** A {@link ValidationIssue} before it is placed: its code and its message. */
export type IssueDescription = Pick<ValidationIssue, 'code' | 'message'>

// The wording of every issue, in one place: the core's ID checks and the HTTP layer's
// description of zod's issues both use these, so that a 422 and a ContactValidationError agree.

/** `undefined` where a value is needed. */
export const REQUIRED: IssueDescription = Object.freeze({ code: 'required', message: 'Required' })

/** A number that is zero, negative or minus infinity. */
export const NOT_POSITIVE: IssueDescription = Object.freeze({ code: 'not_positive', message: 'Must be greater than 0' })

/** A fraction or `NaN`. */
export const NOT_INTEGER: IssueDescription = Object.freeze({ code: 'not_integer', message: 'Must be an integer' })

/** An integer above 2^53 - 1 (or infinity: JSON.parse turns 1e400 into it), where precision is lost. */
export const NOT_SAFE_INTEGER: IssueDescription = Object.freeze({
  code: 'not_safe_integer',
  message: `Must be at most ${String(Number.MAX_SAFE_INTEGER)} (a safe integer)`,
})

/** A value of the wrong type: `Must be an integer, not a string`. */
export function invalidType(expected: string, input: unknown): IssueDescription {
  return { code: 'invalid_type', message: `Must be ${article(expected)}, not ${typeName(input)}` }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}
