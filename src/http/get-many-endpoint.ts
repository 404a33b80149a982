import { randomUUID } from 'node:crypto'
import type { ContactRepository } from '../contact-repository.js'
import {
  resolveHandlerOptions,
  type GetManyAuth,
  type GetManyHandlerOptions,
  type ResolvedHandlerOptions,
} from './get-many-handler-options.js'
import type { FieldError, GetManyResponseBody, ProblemBody } from './get-many-schemas.js'
import { PROBLEM_KINDS, failureProblem, type GetManyProblemKind } from './problem-kinds.js'
import type { BodyRead } from './read-json-body.js'
import { validateGetManyRequest } from './validate-get-many-request.js'

/** What the endpoint needs of a repository (a `ContactRepository`, or a wrapper around one). */
export type GetManyRepository = Pick<ContactRepository, 'getMany'>

/** One request, as any framework can describe it. */
export interface GetManyInput {
  /** The parsed JSON body, unchecked: the handler validates it. */
  readonly body: unknown
  /** The authenticated caller, or `null`/`undefined` when the request is anonymous (401). */
  readonly auth: GetManyAuth | null | undefined
  /** The incoming `X-Request-Id` header, reused when it is 1-128 visible ASCII characters. */
  readonly requestId?: string | readonly string[] | undefined
}

/** Response headers, lower-case names. Always `content-type`, `cache-control` and `x-request-id`. */
export type GetManyResponseHeaders = Readonly<Record<string, string>>

/** A 200: the contacts. */
export interface GetManySuccessResponse {
  readonly status: 200
  readonly headers: GetManyResponseHeaders
  readonly body: GetManyResponseBody
}

/** Any other status: an RFC 9457 problem (`application/problem+json`). */
export interface GetManyProblemResponse {
  readonly status: 400 | 401 | 403 | 413 | 415 | 422 | 500 | 503
  readonly headers: GetManyResponseHeaders
  readonly body: ProblemBody
}

/** What the handler resolves to; serialize `body` as JSON and send it with `status` and `headers`. */
export type GetManyHttpResponse = GetManySuccessResponse | GetManyProblemResponse

/** The framework-agnostic endpoint. It never rejects: every failure is a response. */
export type GetManyHandler = (input: GetManyInput) => Promise<GetManyHttpResponse>

/** How the endpoint learns, from a request of its adapter, who is calling and what was sent. */
export interface EndpointSources<Request> {
  /** The caller, or `null`/`undefined` (401). A throw or a rejection is a 500. */
  readonly authenticate: (request: Request) => GetManyAuth | null | undefined | PromiseLike<GetManyAuth | null | undefined>
  /** The body, read and parsed; called once, and only for a caller holding the scope. */
  readonly readBody: (request: Request) => BodyRead | Promise<BodyRead>
}

/** 1 to 128 visible ASCII characters (`!` to `~`): safe to echo in a header and a log line. */
const USABLE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/

/**
 * `POST /contacts/get-many`, every step once and in this order:
 *
 * 1. the request ID: the incoming `X-Request-Id` when usable, otherwise a new one;
 * 2. who is calling (`authenticate`): nobody is 401 with `WWW-Authenticate`, a throw is 500;
 * 3. the scope: not held is 403, a malformed `auth` is 500. Nothing of the body was read yet,
 *    so a caller without the scope learns nothing from it;
 * 4. the body (`readBody`): not JSON is 415, too large 413, unreadable or malformed 400;
 * 5. validation of `{ ids }`: 422 with every problem as data;
 * 6. one `repository.getMany(tenant of the caller, ids)`: 200, or 503 with `Retry-After` for a
 *    transient failure and 500 for any other, both reported to `onError`.
 *
 * `createGetManyHandler` and the three adapters are this class with different sources.
 */
export class GetManyEndpoint<Request> {
  readonly #repository: GetManyRepository
  readonly #options: ResolvedHandlerOptions
  readonly #sources: EndpointSources<Request>

  constructor(repository: GetManyRepository, options: ResolvedHandlerOptions, sources: EndpointSources<Request>) {
    if (typeof (repository as { getMany?: unknown } | null)?.getMany !== 'function') {
      throw new TypeError('repository must have a getMany() method (a ContactRepository)')
    }
    this.#repository = repository
    this.#options = options
    this.#sources = sources
  }

  /** Answers one request (the steps above). Never rejects. */
  async respond(request: Request, incomingRequestId: unknown): Promise<GetManyHttpResponse> {
    // Outside the try: requestId never throws, so every answer below, a failure's too, has one.
    const requestId = this.requestId(incomingRequestId)
    let tenantId: number | undefined
    try {
      let auth: unknown = this.#sources.authenticate(request)
      if (isPromiseLike(auth)) auth = await auth
      if (auth === null || auth === undefined) {
        return this.problem('unauthenticated', requestId, 'This endpoint needs an authenticated caller.', {
          'www-authenticate': this.#options.wwwAuthenticate,
        })
      }
      if (!isAuth(auth)) {
        const malformed = 'auth must be { tenantId: a positive safe integer, scopes: an array or Set of strings }'
        return this.fail(new TypeError(malformed), requestId, undefined)
      }
      const scope = this.#options.requiredScope
      if (!(Array.isArray(auth.scopes) ? auth.scopes.includes(scope) : (auth.scopes as ReadonlySet<string>).has(scope))) {
        return this.problem('insufficient-scope', requestId, `This endpoint needs the scope "${scope}", which the caller does not hold.`)
      }
      tenantId = auth.tenantId
      let read = this.#sources.readBody(request)
      if (read instanceof Promise) read = await read
      if (!read.ok) return this.problem(read.kind, requestId, read.detail)
      const validation = validateGetManyRequest(read.value)
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
      // Contacts are personal data: no shared cache may keep them, nor problems about them.
      return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': requestId }, body }
    } catch (error) {
      return this.fail(error, requestId, tenantId)
    }
  }

  /**
   * The request ID of the response to a request that sent `incoming` as `X-Request-Id`: that
   * one when usable, otherwise a fresh one (a UUID, should `generateRequestId` return something
   * unusable or throw). A header sent twice arrives as an array (or, from node:http, joined with
   * ", "): not one ID, so replaced. Never throws: the endpoint never rejects.
   */
  requestId(incoming: unknown): string {
    if (typeof incoming === 'string' && USABLE_REQUEST_ID.test(incoming)) return incoming
    const generate = this.#options.generateRequestId
    if (generate === undefined) return randomUUID()
    let generated: unknown
    try {
      generated = generate()
    } catch {
      // The caller's generator failed: left undefined, replaced below like any unusable ID.
    }
    return typeof generated === 'string' && USABLE_REQUEST_ID.test(generated) ? generated : randomUUID()
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
    const headers = { 'content-type': 'application/problem+json', 'cache-control': 'no-store', 'x-request-id': requestId }
    return { status, headers: extraHeaders === undefined ? headers : { ...headers, ...extraHeaders }, body }
  }

  /** A 503 or 500 for `error`, reported to `onError` first. */
  fail(error: unknown, requestId: string, tenantId: number | undefined): GetManyProblemResponse {
    const answer = failureProblem(error, this.#options.retryAfterSeconds)
    const status = PROBLEM_KINDS[answer.kind].status as 500 | 503
    try {
      this.#options.onError?.(error, { requestId, status, tenantId })
    } catch {
      // The hook is for reporting; its own failure must not change the answer.
    }
    return answer.kind === 'service-unavailable'
      ? this.problem(answer.kind, requestId, answer.detail, { 'retry-after': String(answer.retryAfterSeconds) })
      : this.problem(answer.kind, requestId, answer.detail)
  }

  #invalid(errors: readonly FieldError[], total: number, requestId: string): GetManyProblemResponse {
    let detail = total === 1 ? 'The request body has 1 problem; see errors.' : `The request body has ${total} problems; see errors.`
    if (total > errors.length) detail += ` Only the first ${errors.length} are listed.`
    return this.problem('validation-failed', requestId, detail, undefined, errors)
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

function isAuth(value: unknown): value is GetManyAuth {
  if (typeof value !== 'object' || value === null) return false
  const { tenantId, scopes } = value as Record<string, unknown>
  if (!Number.isSafeInteger(tenantId) || (tenantId as number) <= 0) return false
  // Any ReadonlySet, not only a Set of this realm: what is used of it is `has`.
  return Array.isArray(scopes) || (typeof scopes === 'object' && scopes !== null && typeof (scopes as { has?: unknown }).has === 'function')
}

// The handler reads who is calling and what was sent from its input, as given.
const FROM_INPUT: EndpointSources<GetManyInput> = {
  authenticate: (input) => input.auth,
  readBody: (input) => ({ ok: true, value: input.body }),
}

/**
 * The `POST /contacts/get-many` endpoint, independent of any framework: give it the parsed
 * body, the authenticated caller and the incoming `X-Request-Id`; it resolves to the status,
 * headers and body to send (the steps of {@link GetManyEndpoint}). It never rejects. Malformed
 * JSON, size limits and content types are the adapters' part (`contact-repository/node-http`,
 * `/express`, `/fastify`).
 */
export function createGetManyHandler(repository: GetManyRepository, options?: GetManyHandlerOptions): GetManyHandler {
  const endpoint = new GetManyEndpoint(repository, resolveHandlerOptions(options), FROM_INPUT)
  return (input) => endpoint.respond(input, (input as GetManyInput | undefined)?.requestId)
}
