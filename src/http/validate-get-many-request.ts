import type { z } from 'zod'
import { MAX_REPORTED_ISSUES } from '../validation/id-schema.js'
import {
  NOT_INTEGER,
  NOT_POSITIVE,
  NOT_SAFE_INTEGER,
  REQUIRED,
  invalidType,
  type IssueDescription,
  type ValidationIssue,
} from '../validation/validation-issue.js'
import { MAX_IDS_PER_REQUEST, getManyRequestSchema, type FieldError } from './get-many-schemas.js'

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
 * is decided by a plain loop and answers with the body's own `ids` array, not a copy; zod runs
 * only to describe a failure. An `ids` array longer than the limit is refused on its length
 * alone, so 10,000 entries are never walked.
 */
export function validateGetManyRequest(body: unknown): GetManyRequestValidation {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const record = body as Record<string, unknown>
    const ids = Object.hasOwn(record, 'ids') ? record.ids : undefined
    if (Array.isArray(ids)) {
      if (ids.length > MAX_IDS_PER_REQUEST) return tooMany(record)
      if (ids.length > 0 && hasOnlyIds(record) && areIds(ids)) return { ok: true, ids }
    }
  }
  const result = getManyRequestSchema.safeParse(body, { reportInput: true })
  /* v8 ignore next -- only reachable if the plain check and the schema disagree */
  if (result.success) return { ok: true, ids: result.data.ids }
  return describe(result.error.issues)
}

// Every enumerable key counts, inherited ones too, as they do for the schema (which refuses
// them): only the schema decides a body that has any key but `ids`. `ids` itself comes once.
function hasOnlyIds(body: Record<string, unknown>): boolean {
  for (const key in body) {
    if (key !== 'ids') return false
  }
  return true
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
    if (issues.length < MAX_REPORTED_ISSUES) issues.push(unknownKey([], key))
  }
  return failure(issues, total)
}

function describe(zodIssues: readonly z.core.$ZodIssue[]): GetManyRequestValidation {
  const issues: ValidationIssue[] = []
  let total = 0
  for (const issue of zodIssues) {
    if (issue.code === 'unrecognized_keys') {
      total += issue.keys.length
      for (const key of issue.keys) if (issues.length < MAX_REPORTED_ISSUES) issues.push(unknownKey(issue.path, key))
      continue
    }
    total++
    if (issues.length < MAX_REPORTED_ISSUES) issues.push({ ...fromZod(issue), path: issue.path.map(toPathSegment) })
  }
  return failure(issues, total)
}

function unknownKey(path: readonly PropertyKey[], key: string): ValidationIssue {
  return {
    code: 'unrecognized_key',
    path: [...path.map(toPathSegment), key],
    message: 'Unknown field; it is not part of the request',
  }
}

function toPathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment)
}

/** One of zod's issues in the library's words (the same the repository uses for its own checks). */
function fromZod(issue: z.core.$ZodIssue): IssueDescription {
  switch (issue.code) {
    case 'invalid_type': {
      // `input` is present because the parse above passes `reportInput: true`.
      const input = issue.input
      if (input === undefined) return REQUIRED
      const numeric = issue.expected === 'number' || issue.expected === 'int'
      if (numeric && typeof input === 'number') {
        // JSON.parse turns 1e400 into Infinity: a number too large, not a fraction.
        if (input === Number.POSITIVE_INFINITY) return NOT_SAFE_INTEGER
        if (input === Number.NEGATIVE_INFINITY) return NOT_POSITIVE
        return NOT_INTEGER
      }
      return invalidType(numeric ? 'integer' : issue.expected, input)
    }
    case 'too_small':
      return issue.origin === 'array'
        ? { code: 'too_few_items', message: `Must have at least ${String(issue.minimum)} item(s)` }
        : NOT_POSITIVE
    case 'too_big':
      return issue.origin === 'array'
        ? { code: 'too_many_items', message: `Must have at most ${String(issue.maximum)} items` }
        : NOT_SAFE_INTEGER
    default:
      return { code: 'invalid', message: issue.message }
  }
}

function failure(issues: readonly ValidationIssue[], total: number): GetManyRequestValidation {
  return {
    ok: false,
    errors: issues.map((issue) => ({ field: formatFieldPath(issue.path), code: issue.code, message: issue.message })),
    total,
  }
}

/** A key that can be written after a dot: `meta.request_id`. Anything else is quoted: `["a b"]`. */
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/**
 * Formats a validation path the way the 422 body reports it: `['ids', 3]` is `ids[3]`,
 * `['tenantId']` is `tenantId`, and `[]` (the body itself) is the empty string, as the root
 * is in JSON Pointer. Keys that are not identifiers are quoted so that a client can always
 * tell where one segment ends.
 */
export function formatFieldPath(path: readonly (string | number)[]): string {
  let field = ''
  for (const segment of path) {
    if (typeof segment === 'number') field += `[${segment}]`
    else if (!PLAIN_KEY.test(segment)) field += `[${JSON.stringify(segment)}]`
    else field += field === '' ? segment : `.${segment}`
  }
  return field
}
