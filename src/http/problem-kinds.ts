import type { ContactRepositoryErrorCode } from '../errors.js'

/**
 * Every kind of problem the get-many endpoint answers with. The kind is the last segment of
 * the problem's `type` URI (`<problemTypeBase><kind>`), so it is part of the public contract:
 * kinds are added, never renamed.
 */
export type GetManyProblemKind =
  | 'malformed-body'
  | 'unauthenticated'
  | 'insufficient-scope'
  | 'body-too-large'
  | 'unsupported-media-type'
  | 'validation-failed'
  | 'internal-error'
  | 'service-unavailable'

/** Status and short title of one problem kind. */
export interface ProblemKindInfo {
  readonly status: 400 | 401 | 403 | 413 | 415 | 422 | 500 | 503
  readonly title: string
}

/** Status and `title` of each problem kind; titles 403 and 422 are the reference page's. */
export const PROBLEM_KINDS: Readonly<Record<GetManyProblemKind, ProblemKindInfo>> = Object.freeze({
  'malformed-body': { status: 400, title: 'Malformed request body' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  'insufficient-scope': { status: 403, title: 'Scope insufficient' },
  'body-too-large': { status: 413, title: 'Request body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'validation-failed': { status: 422, title: 'Validation failed' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
})

/**
 * Default prefix of problem `type` URIs. A URN rather than an https URL because the library
 * owns no host to publish pages on; set `problemTypeBase` to your documentation's URL.
 */
export const DEFAULT_PROBLEM_TYPE_BASE = 'urn:contact-repository:problem:'

/** How a failure is answered: the problem kind, its detail, and for a 503 its `Retry-After`. */
export type FailureProblem =
  | { readonly kind: 'service-unavailable'; readonly retryAfterSeconds: number; readonly detail: string }
  | { readonly kind: 'internal-error'; readonly detail: string }

// Transient failures: the same request may succeed later, so it is 503 with Retry-After.
// A Map, not an object literal: a code of 'toString' or 'constructor' must find nothing.
const TRANSIENT: ReadonlyMap<unknown, string> = new Map<ContactRepositoryErrorCode, string>([
  ['ERR_CONTACTS_OVERLOADED', 'Too many contact lookups are waiting right now.'],
  ['ERR_CONTACTS_TIMEOUT', 'Loading the contacts took too long.'],
  ['ERR_CONTACTS_QUERY_FAILED', 'The contact store could not be read.'],
])

const INTERNAL_DETAIL =
  'The request could not be completed because of an internal error. Quote the request_id when reporting it.'

/**
 * Maps a failure to a problem kind by the error's stable `code` and `transient` flag, never its
 * message. The detail is written here, from the code alone, so no driver text or stack reaches
 * the client. Every other error (a row breaking the contract, a query error retrying cannot
 * fix, a closed repository, a bug) is an internal error (500).
 */
export function failureProblem(error: unknown, defaultRetryAfterSeconds: number): FailureProblem {
  const detail = TRANSIENT.get(readProperty(error, 'code'))
  // A failed query that retrying cannot fix (a missing table, denied access) is ours to fix.
  if (detail === undefined || readProperty(error, 'transient') === false) {
    return { kind: 'internal-error', detail: INTERNAL_DETAIL }
  }
  const retryAfterMs = readProperty(error, 'retryAfterMs')
  const retryAfterSeconds =
    typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
      ? Math.ceil(retryAfterMs / 1000)
      : defaultRetryAfterSeconds
  const when = retryAfterSeconds === 0 ? 'now' : `in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`
  return { kind: 'service-unavailable', retryAfterSeconds, detail: `${detail} Retry ${when}.` }
}

function readProperty(value: unknown, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key]
  } catch {
    return undefined // null, undefined, or a getter that throws: treat the error as unknown
  }
}
