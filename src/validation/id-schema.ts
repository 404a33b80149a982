import { z } from 'zod'
import { ContactValidationError } from '../errors.js'
import { issuesFromZod } from './validation-issue.js'

/**
 * A tenant or contact ID: a positive safe integer (1 to 2^53 - 1). `z.int()` already refuses
 * unsafe integers, so a value like 9007199254740993 that JSON parsing rounded is refused too.
 * Nothing is coerced: `"1"` stays an error, because MySQL compares `'1abc' = 1` as true.
 */
export const idSchema = z.int().positive()

/** The `ids` argument of `getMany`: any number of IDs (the HTTP endpoint adds 1..50). */
export const idListSchema = z.array(idSchema)

/** At most this many issues are reported for one argument; the rest add nothing a caller can use. */
export const MAX_REPORTED_ISSUES = 20

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0
}

/**
 * Throws a {@link ContactValidationError} unless `value` is a valid tenant ID.
 * The plain check runs first because it is on every call's path; zod runs only to describe
 * a failure, and a property test keeps the two in agreement.
 */
export function assertTenantId(value: unknown, name = 'tenantId'): asserts value is number {
  if (!isId(value)) throw invalid(idSchema, value, name)
}

/** Throws a {@link ContactValidationError} unless `value` is an array of valid contact IDs. */
export function assertIdList(value: unknown, name = 'ids'): asserts value is readonly number[] {
  if (!Array.isArray(value)) throw invalid(idListSchema, value, name)
  for (let i = 0; i < value.length; i++) {
    if (!isId(value[i])) throw invalid(idListSchema, value, name)
  }
}

function invalid(schema: z.ZodType, value: unknown, name: string): ContactValidationError {
  const result = schema.safeParse(value, { reportInput: true })
  /* v8 ignore next 3 -- only reachable if the plain check and the schema disagree */
  if (result.success) {
    return new ContactValidationError([{ code: 'invalid', path: [name], message: 'Invalid value' }])
  }
  return new ContactValidationError(
    issuesFromZod(result.error.issues, MAX_REPORTED_ISSUES).map((issue) => ({
      ...issue,
      path: [name, ...issue.path],
    })),
  )
}
