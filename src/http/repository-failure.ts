import type { ContactRepositoryErrorCode } from '../errors.js'

/** How a failed `getMany` is answered. */
export type FailureAnswer =
  | { readonly status: 503; readonly retryAfterSeconds: number; readonly detail: string }
  | { readonly status: 500; readonly detail: string }

// Transient failures: the same request may succeed later, so it is 503 with Retry-After.
const TRANSIENT: Partial<Record<ContactRepositoryErrorCode, string>> = {
  ERR_CONTACTS_OVERLOADED: 'Too many contact lookups are waiting right now.',
  ERR_CONTACTS_TIMEOUT: 'Loading the contacts took too long.',
  ERR_CONTACTS_QUERY_FAILED: 'The contact store could not be read.',
}

const INTERNAL_DETAIL =
  'The request could not be completed because of an internal error. Quote the request_id when reporting it.'

/**
 * Maps a failure to a status by the error's stable `code` and `transient` flag, never its
 * message. The detail is written here, from the code alone, so no driver text or stack
 * reaches the client. Every other error (a row breaking the contract, a query error retrying
 * cannot fix, a closed repository, a bug) is a 500.
 */
export function answerFailure(error: unknown, defaultRetryAfterSeconds: number): FailureAnswer {
  const code = readProperty(error, 'code')
  const detail = typeof code === 'string' ? TRANSIENT[code as ContactRepositoryErrorCode] : undefined
  // A failed query that retrying cannot fix (a missing table, denied access) is ours to fix.
  if (detail === undefined || readProperty(error, 'transient') === false) {
    return { status: 500, detail: INTERNAL_DETAIL }
  }
  const retryAfterMs = readProperty(error, 'retryAfterMs')
  const retryAfterSeconds =
    typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
      ? Math.ceil(retryAfterMs / 1000)
      : defaultRetryAfterSeconds
  const when = retryAfterSeconds === 0 ? 'now' : `in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`
  return { status: 503, retryAfterSeconds, detail: `${detail} Retry ${when}.` }
}

function readProperty(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined
  try {
    return (value as Record<string, unknown>)[key]
  } catch {
    return undefined // a getter that throws: treat the error as unknown
  }
}
