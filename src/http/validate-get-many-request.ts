import type { z } from 'zod'
import { MAX_REPORTED_ISSUES } from '../validation/id-schema.js'
import { issuesFromZod, type ValidationIssue } from '../validation/validation-issue.js'
import { formatFieldPath } from './field-path.js'
import { MAX_IDS_PER_REQUEST, getManyRequestSchema } from './get-many-request.js'
import type { FieldError } from './problem.js'

/** The outcome of checking a get-many body: the IDs, or what was wrong as data. */
export type GetManyRequestValidation =
  | { readonly ok: true; readonly ids: readonly number[] }
  | {
      readonly ok: false
      /** At most `MAX_REPORTED_ISSUES` (20) entries, in the order they were found. */
      readonly errors: readonly FieldError[]
      /** How many problems were found in all, at least `errors.length`. */
      readonly total: number
    }

/**
 * Checks a parsed get-many body. The common case (an object with only `ids`, 1..50 valid IDs)
 * is decided by a plain loop; zod runs only to describe a failure. An `ids` array longer than
 * the limit is refused on its length alone, so 10,000 entries are never walked.
 */
export function validateGetManyRequest(body: unknown): GetManyRequestValidation {
  if (isRecord(body)) {
    const ids = Object.hasOwn(body, 'ids') ? body.ids : undefined
    if (Array.isArray(ids)) {
      if (ids.length > MAX_IDS_PER_REQUEST) return tooMany(body)
      if (ids.length > 0 && isOnlyIds(body) && areIds(ids)) return { ok: true, ids }
    }
  }
  const result = getManyRequestSchema.safeParse(body, { reportInput: true })
  /* v8 ignore next -- only reachable if the plain check and the schema disagree */
  if (result.success) return { ok: true, ids: result.data.ids }
  return describe(result.error.issues)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isOnlyIds(body: Record<string, unknown>): boolean {
  const keys = Object.keys(body)
  return keys.length === 1 && keys[0] === 'ids'
}

// An index loop, not `every`: `every` skips the holes of a sparse array.
function areIds(ids: readonly unknown[]): ids is readonly number[] {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    if (!Number.isSafeInteger(id) || (id as number) <= 0) return false
  }
  return true
}

function tooMany(body: Record<string, unknown>): GetManyRequestValidation {
  const issues: ValidationIssue[] = [
    { code: 'too_many_items', path: ['ids'], message: `Must have at most ${MAX_IDS_PER_REQUEST} items` },
  ]
  let total = 1
  for (const key of Object.keys(body)) {
    if (key === 'ids') continue
    total++
    if (issues.length < MAX_REPORTED_ISSUES) issues.push(unknownKey(key))
  }
  return failure(issues, total)
}

function unknownKey(key: string): ValidationIssue {
  return { code: 'unrecognized_key', path: [key], message: 'Unknown field; it is not part of the request' }
}

function describe(zodIssues: readonly z.core.$ZodIssue[]): GetManyRequestValidation {
  const issues: ValidationIssue[] = []
  let total = 0
  for (const issue of zodIssues) {
    total += issue.code === 'unrecognized_keys' ? issue.keys.length : 1
    if (issues.length < MAX_REPORTED_ISSUES) issues.push(...issuesFromZod([issue], MAX_REPORTED_ISSUES - issues.length))
  }
  return failure(issues, total)
}

function failure(issues: readonly ValidationIssue[], total: number): GetManyRequestValidation {
  return {
    ok: false,
    errors: issues.map((issue) => ({ field: formatFieldPath(issue.path), code: issue.code, message: issue.message })),
    total,
  }
}
