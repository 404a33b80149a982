import type { z } from 'zod'

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

/** Turns zod's issues into at most `limit` stable {@link ValidationIssue}s. */
export function issuesFromZod(
  issues: readonly z.core.$ZodIssue[],
  limit = Number.POSITIVE_INFINITY,
): ValidationIssue[] {
  const result: ValidationIssue[] = []
  for (const issue of issues) {
    if (result.length >= limit) break
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        if (result.length >= limit) break
        result.push({
          code: 'unrecognized_key',
          path: [...issue.path.map(toPathSegment), key],
          message: 'Unknown field; it is not part of the request',
        })
      }
      continue
    }
    result.push({ ...describe(issue), path: issue.path.map(toPathSegment) })
  }
  return result
}

function toPathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment)
}

const NOT_POSITIVE = { code: 'not_positive', message: 'Must be greater than 0' } as const
const TOO_LARGE = {
  code: 'not_safe_integer',
  message: `Must be at most ${String(Number.MAX_SAFE_INTEGER)} (a safe integer)`,
} as const

function describe(issue: z.core.$ZodIssue): { code: ValidationIssueCode; message: string } {
  switch (issue.code) {
    case 'invalid_type': {
      // `input` is present because every parse in this library passes `reportInput: true`.
      const input = issue.input
      if (input === undefined) return { code: 'required', message: 'Required' }
      const numeric = issue.expected === 'number' || issue.expected === 'int'
      if (numeric && typeof input === 'number') {
        // JSON.parse turns 1e400 into Infinity: a number too large, not a fraction.
        if (input === Number.POSITIVE_INFINITY) return TOO_LARGE
        if (input === Number.NEGATIVE_INFINITY) return NOT_POSITIVE
        return { code: 'not_integer', message: 'Must be an integer' }
      }
      const expected = numeric ? 'integer' : issue.expected
      return { code: 'invalid_type', message: `Must be ${article(expected)}, not ${typeName(input)}` }
    }
    case 'too_small':
      return issue.origin === 'array'
        ? { code: 'too_few_items', message: `Must have at least ${String(issue.minimum)} item(s)` }
        : NOT_POSITIVE
    case 'too_big':
      return issue.origin === 'array'
        ? { code: 'too_many_items', message: `Must have at most ${String(issue.maximum)} items` }
        : TOO_LARGE
    default:
      return { code: 'invalid', message: issue.message }
  }
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
