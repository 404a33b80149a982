export { createGetManyHandler } from './get-many-endpoint.js'
export type {
  GetManyHandler,
  GetManyHttpResponse,
  GetManyInput,
  GetManyProblemResponse,
  GetManyRepository,
  GetManyResponseHeaders,
  GetManySuccessResponse,
} from './get-many-endpoint.js'
export type { GetManyAdapterOptions, GetManyAuth, GetManyErrorContext, GetManyHandlerOptions } from './get-many-handler-options.js'
export {
  MAX_IDS_PER_REQUEST,
  VALIDATION_ERROR_CODES,
  contactSchema,
  fieldErrorSchema,
  getManyRequestSchema,
  getManyResponseSchema,
  idListSchema,
  idSchema,
  problemSchema,
} from './get-many-schemas.js'
export type { ContactResource, FieldError, GetManyRequest, GetManyResponseBody, ProblemBody } from './get-many-schemas.js'
export { DEFAULT_PROBLEM_TYPE_BASE, PROBLEM_KINDS } from './problem-kinds.js'
export type { GetManyProblemKind, ProblemKindInfo } from './problem-kinds.js'
export { createGetManyOpenApiDocument } from './get-many-openapi.js'
export type { GetManyOpenApiOptions, OpenApiDocument, OpenApiServer } from './get-many-openapi.js'
