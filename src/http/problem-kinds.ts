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
