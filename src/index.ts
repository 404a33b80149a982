export { ContactRepository } from './contact-repository.js'
export type {
  CacheMode,
  ContactRepositoryStats,
  GetManyOptions,
  GetManyResult,
  StaleRow,
} from './contact-repository.js'
export type { ContactRepositoryOptions } from './contact-repository-options.js'
export type { Contact, ContactType, ContactsDatabase, ContactsTable } from './contact.js'
export { CONTACTS_TABLE_SQL, createContactsTable } from './contacts-table.js'
export type { CreateContactsTableOptions } from './contacts-table.js'
export {
  ContactAbortError,
  ContactOverloadError,
  ContactQueryError,
  ContactRepositoryClosedError,
  ContactRepositoryError,
  ContactRowError,
  ContactTimeoutError,
  ContactValidationError,
} from './errors.js'
export type { ContactRepositoryErrorCode } from './errors.js'
export type { ValidationIssue, ValidationIssueCode } from './validation-issue.js'
export { idSchema, idListSchema } from './id-schema.js'
export { CHANNELS } from './diagnostics.js'
export type {
  BatchEndEvent,
  BatchStartEvent,
  EvictionEvent,
  GetManyEvent,
  InvalidationEvent,
  TrustEvent,
} from './diagnostics.js'
export type { InvalidationBus, InvalidationMessage, InvalidationSubscriber } from './invalidation-bus.js'
export type { Summary } from './rolling-summary.js'
export type { SpanLike, TracerLike } from './tracer.js'
