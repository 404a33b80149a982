import type { ContactRepository } from '../contact-repository.js'
import type { GetManyResponseBody } from './get-many-response.js'
import type { ProblemBody } from './problem.js'

/** What the endpoint needs of a repository (a `ContactRepository`, or a wrapper around one). */
export type GetManyRepository = Pick<ContactRepository, 'getMany'>

/** Who is calling, as your authentication established it. Never taken from the body. */
export interface GetManyAuth {
  /** The caller's tenant: a positive safe integer. Anything else is a server error (500). */
  readonly tenantId: number
  /** The scopes the caller holds; the handler's `requiredScope` must be among them. */
  readonly scopes: readonly string[] | ReadonlySet<string>
}

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
