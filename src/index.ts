export { ContactRepository } from './contact-repository.js'
export type {
  CacheMode,
  ContactRepositoryStats,
  GetManyOptions,
  GetManyResult,
  StaleRow,
} from './contact-repository.js'
export type { ContactRepositoryOptions } from './contact-repository-options.js'
export type { Contact, ContactType, ContactsDatabase, ContactsTable } from './contacts/contact.js'
export { CONTACTS_TABLE_SQL, createContactsTable } from './contacts/contacts-table.js'
export type { CreateContactsTableOptions } from './contacts/contacts-table.js'
export {
  ContactAbortError,
  ContactChangesClosedError,
  ContactOverloadError,
  ContactQueryError,
  ContactRepositoryClosedError,
  ContactRepositoryError,
  ContactRowError,
  ContactTimeoutError,
  ContactValidationError,
} from './errors.js'
export type { ContactRepositoryErrorCode } from './errors.js'
export type { ValidationIssue, ValidationIssueCode } from './validation/validation-issue.js'
export { idSchema, idListSchema } from './validation/id-schema.js'
export { CHANNELS } from './observability/diagnostics.js'
export type {
  BatchEndEvent,
  BatchStartEvent,
  EvictionEvent,
  GetManyEvent,
  InvalidationEvent,
  TrustEvent,
} from './observability/diagnostics.js'
export type { InvalidationBus, InvalidationMessage, InvalidationSubscriber } from './invalidation/invalidation-bus.js'
export type { Summary } from './observability/rolling-summary.js'
export type { SpanLike, TracerLike } from './observability/tracer.js'
export { createGetManyHandler } from './http/get-many-handler.js'
export type {
  GetManyAuth,
  GetManyHandler,
  GetManyHttpResponse,
  GetManyInput,
  GetManyProblemResponse,
  GetManyRepository,
  GetManyResponseHeaders,
  GetManySuccessResponse,
} from './http/get-many-handler-types.js'
export type { GetManyErrorContext, GetManyHandlerOptions } from './http/get-many-handler-options.js'
export type { GetManyAdapterOptions } from './http/get-many-adapter-options.js'
export { MAX_IDS_PER_REQUEST, getManyRequestSchema } from './http/get-many-request.js'
export type { GetManyRequest } from './http/get-many-request.js'
export { contactSchema, getManyResponseSchema } from './http/get-many-response.js'
export type { ContactResource, GetManyResponseBody } from './http/get-many-response.js'
export { VALIDATION_ERROR_CODES, fieldErrorSchema, problemSchema } from './http/problem.js'
export type { FieldError, ProblemBody } from './http/problem.js'
export { DEFAULT_PROBLEM_TYPE_BASE, PROBLEM_KINDS } from './http/problem-kinds.js'
export type { GetManyProblemKind, ProblemKindInfo } from './http/problem-kinds.js'
export { createGetManyOpenApiDocument } from './http/get-many-openapi.js'
export type { GetManyOpenApiOptions, OpenApiDocument } from './http/get-many-openapi.js'
export { ContactWrites } from './invalidation/contact-writes.js'
export type { ContactChanges, ContactInvalidator, ContactWritesOptions } from './invalidation/contact-writes.js'
