/*
 * Names the main entry exported in 0.1 and that moved to `contact-repository/http` in 0.2, so
 * that importing the main entry loads neither the HTTP layer nor zod. Each stays here, for the
 * 0.x series, as a declaration only (no runtime value): its type says where it went, so any use
 * fails to compile with that hint, and editors strike it through as deprecated. kysely keeps
 * the names it moved to `kysely/migration` the same way.
 */

/** The type of a name that moved: using it fails to compile, and the message says where it went. */
export interface MovedExport<Hint extends string> {
  readonly __movedExport__: Hint
}

/** @deprecated Moved: `import { createGetManyHandler } from 'contact-repository/http'`. */
export declare const createGetManyHandler: MovedExport<"createGetManyHandler moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { createGetManyOpenApiDocument } from 'contact-repository/http'`. */
export declare const createGetManyOpenApiDocument: MovedExport<"createGetManyOpenApiDocument moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { contactSchema } from 'contact-repository/http'`. */
export declare const contactSchema: MovedExport<"contactSchema moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { fieldErrorSchema } from 'contact-repository/http'`. */
export declare const fieldErrorSchema: MovedExport<"fieldErrorSchema moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { getManyRequestSchema } from 'contact-repository/http'`. */
export declare const getManyRequestSchema: MovedExport<"getManyRequestSchema moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { getManyResponseSchema } from 'contact-repository/http'`. */
export declare const getManyResponseSchema: MovedExport<"getManyResponseSchema moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { idListSchema } from 'contact-repository/http'`. */
export declare const idListSchema: MovedExport<"idListSchema moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { idSchema } from 'contact-repository/http'`. */
export declare const idSchema: MovedExport<"idSchema moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { problemSchema } from 'contact-repository/http'`. */
export declare const problemSchema: MovedExport<"problemSchema moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { DEFAULT_PROBLEM_TYPE_BASE } from 'contact-repository/http'`. */
export declare const DEFAULT_PROBLEM_TYPE_BASE: MovedExport<"DEFAULT_PROBLEM_TYPE_BASE moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { MAX_IDS_PER_REQUEST } from 'contact-repository/http'`. */
export declare const MAX_IDS_PER_REQUEST: MovedExport<"MAX_IDS_PER_REQUEST moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { PROBLEM_KINDS } from 'contact-repository/http'`. */
export declare const PROBLEM_KINDS: MovedExport<"PROBLEM_KINDS moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import { VALIDATION_ERROR_CODES } from 'contact-repository/http'`. */
export declare const VALIDATION_ERROR_CODES: MovedExport<"VALIDATION_ERROR_CODES moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { ContactResource } from 'contact-repository/http'`. */
export type ContactResource = MovedExport<"ContactResource moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { FieldError } from 'contact-repository/http'`. */
export type FieldError = MovedExport<"FieldError moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyAdapterOptions } from 'contact-repository/http'`. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- generic as the moved type is, so that uses of it get this hint
export type GetManyAdapterOptions<_Request = unknown> = MovedExport<"GetManyAdapterOptions moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyAuth } from 'contact-repository/http'`. */
export type GetManyAuth = MovedExport<"GetManyAuth moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyErrorContext } from 'contact-repository/http'`. */
export type GetManyErrorContext = MovedExport<"GetManyErrorContext moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyHandler } from 'contact-repository/http'`. */
export type GetManyHandler = MovedExport<"GetManyHandler moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyHandlerOptions } from 'contact-repository/http'`. */
export type GetManyHandlerOptions = MovedExport<"GetManyHandlerOptions moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyHttpResponse } from 'contact-repository/http'`. */
export type GetManyHttpResponse = MovedExport<"GetManyHttpResponse moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyInput } from 'contact-repository/http'`. */
export type GetManyInput = MovedExport<"GetManyInput moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyOpenApiOptions } from 'contact-repository/http'`. */
export type GetManyOpenApiOptions = MovedExport<"GetManyOpenApiOptions moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyProblemKind } from 'contact-repository/http'`. */
export type GetManyProblemKind = MovedExport<"GetManyProblemKind moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyProblemResponse } from 'contact-repository/http'`. */
export type GetManyProblemResponse = MovedExport<"GetManyProblemResponse moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyRepository } from 'contact-repository/http'`. */
export type GetManyRepository = MovedExport<"GetManyRepository moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyRequest } from 'contact-repository/http'`. */
export type GetManyRequest = MovedExport<"GetManyRequest moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyResponseBody } from 'contact-repository/http'`. */
export type GetManyResponseBody = MovedExport<"GetManyResponseBody moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManyResponseHeaders } from 'contact-repository/http'`. */
export type GetManyResponseHeaders = MovedExport<"GetManyResponseHeaders moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { GetManySuccessResponse } from 'contact-repository/http'`. */
export type GetManySuccessResponse = MovedExport<"GetManySuccessResponse moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { OpenApiDocument } from 'contact-repository/http'`. */
export type OpenApiDocument = MovedExport<"OpenApiDocument moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { ProblemBody } from 'contact-repository/http'`. */
export type ProblemBody = MovedExport<"ProblemBody moved: import it from 'contact-repository/http'">

/** @deprecated Moved: `import type { ProblemKindInfo } from 'contact-repository/http'`. */
export type ProblemKindInfo = MovedExport<"ProblemKindInfo moved: import it from 'contact-repository/http'">
