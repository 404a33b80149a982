import { ContactRepositoryError } from '../errors.js'

/** Codes of the errors the Redis bus throws; match on `code`, never on `message`. */
export type InvalidationBusErrorCode = 'ERR_INVALIDATION_BUS_CLOSED'

/** `publish` or `subscribe` was called on a bus after `close()`. Not transient. */
export class InvalidationBusClosedError extends ContactRepositoryError {
  override name = 'InvalidationBusClosedError'
  declare readonly code: InvalidationBusErrorCode

  constructor() {
    super('ERR_INVALIDATION_BUS_CLOSED', 'The invalidation bus is closed', false)
  }
}
