/** Codes of the errors the Redis bus throws; match on `code`, never on `message`. */
export type InvalidationBusErrorCode = 'ERR_INVALIDATION_BUS_CLOSED'

/** `publish` or `subscribe` was called on a bus after `close()`. */
export class InvalidationBusClosedError extends Error {
  override name = 'InvalidationBusClosedError'
  readonly code: InvalidationBusErrorCode = 'ERR_INVALIDATION_BUS_CLOSED'

  constructor() {
    super('The invalidation bus is closed')
  }
}
