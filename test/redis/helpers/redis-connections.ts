import { Redis, type RedisOptions } from 'ioredis'

/**
 * A publisher/subscriber pair the way an application would create them, with a fast, steady
 * reconnection (the default backs off to 2 s, which only slows the fault tests down) and the
 * connection errors of fault tests kept out of the output.
 */
export interface ConnectionPair {
  readonly publisher: Redis
  readonly subscriber: Redis
  /** Connection errors seen (refused, reset...), for reports. */
  readonly errors: () => number
  quit(): Promise<void>
}

export function connectPair(url: string, name: string, options: RedisOptions = {}): ConnectionPair {
  let errors = 0
  const make = (role: string): Redis => {
    const connection = new Redis(url, {
      retryStrategy: () => 50,
      connectionName: `${name}-${role}`,
      ...options,
    })
    connection.on('error', () => { errors++ })
    return connection
  }
  const publisher = make('pub')
  const subscriber = make('sub')
  return {
    publisher,
    subscriber,
    errors: () => errors,
    async quit() {
      publisher.disconnect()
      subscriber.disconnect()
      await Promise.resolve()
    },
  }
}
