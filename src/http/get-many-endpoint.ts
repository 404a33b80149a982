import type {
  GetManyAuth,
  GetManyHttpResponse,
  GetManyInput,
  GetManyProblemResponse,
  GetManyRepository,
  GetManyResponseHeaders,
} from './get-many-handler-types.js'
import type { ResolvedGetManyHandlerOptions } from './get-many-handler-options.js'
import type { GetManyResponseBody } from './get-many-response.js'
import { PROBLEM_KINDS, type GetManyProblemKind } from './problem-kinds.js'
import type { FieldError, ProblemBody } from './problem.js'
import { answerFailure } from './repository-failure.js'
import { resolveRequestId } from './request-id.js'
import { validateGetManyRequest } from './validate-get-many-request.js'

/**
 * The steps of the get-many endpoint, separately callable so that an adapter can answer 401/403
 * before it reads the body, and its own 400/413/415 in the same shape. `createGetManyHandler`
 * runs them all in order.
 */
export class GetManyEndpoint {
  readonly #repository: GetManyRepository
  readonly #options: ResolvedGetManyHandlerOptions

  constructor(repository: GetManyRepository, options: ResolvedGetManyHandlerOptions) {
    if (typeof (repository as { getMany?: unknown } | null)?.getMany !== 'function') {
      throw new TypeError('repository must have a getMany() method (a ContactRepository)')
    }
    this.#repository = repository
    this.#options = options
  }

  /** The request ID of the response to a request that sent `incoming` as `X-Request-Id`. */
  requestId(incoming: unknown): string {
    return resolveRequestId(incoming, this.#options.generateRequestId)
  }

  /** A 401, 403 (or 500 for a malformed `auth`), or `undefined` when the caller may go on. */
  authorize(auth: unknown, requestId: string): GetManyProblemResponse | undefined {
    if (auth === null || auth === undefined) {
      return this.problem('unauthenticated', requestId, 'This endpoint needs an authenticated caller.', {
        'www-authenticate': this.#options.wwwAuthenticate,
      })
    }
    if (!isAuth(auth)) {
      return this.fail(
        new TypeError('auth must be { tenantId: a positive safe integer, scopes: an array or Set of strings }'),
        requestId,
        undefined,
      )
    }
    const scope = this.#options.requiredScope
    const held = Array.isArray(auth.scopes) ? auth.scopes.includes(scope) : (auth.scopes as ReadonlySet<string>).has(scope)
    if (held) return undefined
    return this.problem('insufficient-scope', requestId, `This endpoint needs the scope "${scope}", which the caller does not hold.`)
  }

  /** Runs the whole endpoint: request ID, authorization, validation, the repository. Never rejects. */
  async handle(input: GetManyInput): Promise<GetManyHttpResponse> {
    let requestId: string | undefined
    let tenantId: number | undefined
    try {
      requestId = this.requestId(input.requestId)
      const denied = this.authorize(input.auth, requestId)
      if (denied !== undefined) return denied
      tenantId = (input.auth as GetManyAuth).tenantId
      // Only now is the body looked at: a caller without the scope learns nothing from it.
      const validation = validateGetManyRequest(input.body)
      if (!validation.ok) return this.#invalid(validation.errors, validation.total, requestId)
      const { rows, missing } = await this.#repository.getMany(tenantId, validation.ids)
      const body: GetManyResponseBody = {
        data: rows,
        meta: {
          request_id: requestId,
          pagination: { cursor: null, has_more: false, count: rows.length },
          // Distinct IDs: the repository answers each once, as a row or as missing.
          requested: rows.length + missing.length,
          returned: rows.length,
        },
      }
      return { status: 200, headers: this.#headers('application/json', requestId), body }
    } catch (error) {
      return this.fail(error, requestId ?? this.requestId(undefined), tenantId)
    }
  }

  /** A problem response of `kind`, with `extraHeaders` added to the usual ones. */
  problem(
    kind: GetManyProblemKind,
    requestId: string,
    detail: string,
    extraHeaders?: GetManyResponseHeaders,
    errors?: readonly FieldError[],
  ): GetManyProblemResponse {
    const { status, title } = PROBLEM_KINDS[kind]
    const body: ProblemBody = {
      type: `${this.#options.problemTypeBase}${kind}`,
      title,
      status,
      detail,
      request_id: requestId,
      ...(errors === undefined ? {} : { errors: [...errors] }),
    }
    return { status, headers: this.#headers('application/problem+json', requestId, extraHeaders), body }
  }

  /** A 503 or 500 for `error`, reported to `onError` first. */
  fail(error: unknown, requestId: string, tenantId: number | undefined): GetManyProblemResponse {
    const answer = answerFailure(error, this.#options.retryAfterSeconds)
    try {
      this.#options.onError?.(error, { requestId, status: answer.status, tenantId })
    } catch {
      // The hook is for reporting; its own failure must not change the answer.
    }
    return answer.status === 503
      ? this.problem('service-unavailable', requestId, answer.detail, {
          'retry-after': String(answer.retryAfterSeconds),
        })
      : this.problem('internal-error', requestId, answer.detail)
  }

  #invalid(errors: readonly FieldError[], total: number, requestId: string): GetManyProblemResponse {
    let detail = total === 1 ? 'The request body has 1 problem; see errors.' : `The request body has ${total} problems; see errors.`
    if (total > errors.length) detail += ` Only the first ${errors.length} are listed.`
    return this.problem('validation-failed', requestId, detail, undefined, errors)
  }

  #headers(contentType: string, requestId: string, extra?: GetManyResponseHeaders): GetManyResponseHeaders {
    // Contacts are personal data: no shared cache may keep them, nor problems about them.
    return { 'content-type': contentType, 'cache-control': 'no-store', 'x-request-id': requestId, ...extra }
  }
}

function isAuth(value: unknown): value is GetManyAuth {
  if (typeof value !== 'object' || value === null) return false
  const { tenantId, scopes } = value as Record<string, unknown>
  return Number.isSafeInteger(tenantId) && (tenantId as number) > 0 && (Array.isArray(scopes) || scopes instanceof Set)
}
