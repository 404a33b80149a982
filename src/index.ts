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
export type { ContactRepositoryErrorCode, ContactRowErrorDetails } from './errors.js'
export type { ValidationIssue, ValidationIssueCode } from './validation/validation-issue.js'
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
export { ContactWrites } from './invalidation/contact-writes.js'
export type { ContactChanges, ContactInvalidator, ContactWritesOptions } from './invalidation/contact-writes.js'
// Moved to contact-repository/http in 0.2: typed hints for 0.x, no runtime value (see moved-exports.ts).
export type {
  ContactResource,
  contactSchema,
  createGetManyHandler,
  createGetManyOpenApiDocument,
  DEFAULT_PROBLEM_TYPE_BASE,
  FieldError,
  fieldErrorSchema,
  GetManyAdapterOptions,
  GetManyAuth,
  GetManyErrorContext,
  GetManyHandler,
  GetManyHandlerOptions,
  GetManyHttpResponse,
  GetManyInput,
  GetManyOpenApiOptions,
  GetManyProblemKind,
  GetManyProblemResponse,
  GetManyRepository,
  GetManyRequest,
  getManyRequestSchema,
  GetManyResponseBody,
  GetManyResponseHeaders,
  getManyResponseSchema,
  GetManySuccessResponse,
  idListSchema,
  idSchema,
  MAX_IDS_PER_REQUEST,
  OpenApiDocument,
  PROBLEM_KINDS,
  ProblemBody,
  ProblemKindInfo,
  problemSchema,
  VALIDATION_ERROR_CODES,
} from './moved-exports.js'
