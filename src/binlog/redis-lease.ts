import type { Redis } from 'ioredis'

// The lease key holds `<token>:<owner>`; `<key>:token` counts acquisitions (the fencing token).
const ACQUIRE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return token`

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

/**
 * One lease in Redis, so that one tailer of a fleet streams at a time. Each acquisition gets a
 * fencing token one higher than the last (an INCR counter beside the key). The holder keeps it
 * by renewing before `ttl` runs out and counts it lost `ttl` after the last renewal it *sent*
 * that succeeded: Redis expires the key no earlier, so two holders never overlap (up to the
 * clocks' rate difference over one `ttl`). Every command gives up after `commandTimeout`.
 */
export class RedisLease {
  readonly #redis: Redis
  readonly #key: string
  readonly #ttl: number
  readonly #owner: string
  readonly #commandTimeout: number
  #value: string | undefined
  #token = 0
  #validUntil = 0

  constructor(redis: Redis, key: string, ttl: number, owner: string, commandTimeout: number) {
    this.#redis = redis
    this.#key = key
    this.#ttl = ttl
    this.#owner = owner
    this.#commandTimeout = commandTimeout
  }

  /** The token of the lease held now, or of the last one held. */
  get token(): number {
    return this.#token
  }

  /** Whether this process holds the lease now, by its own clock. */
  get held(): boolean {
    return this.#value !== undefined && performance.now() < this.#validUntil
  }

  /**
   * Tries to take the lease; resolves whether it did. `timeout` overrides `commandTimeout`
   * (the first attempt may wait for the connection to come up).
   */
  async acquire(timeout = this.#commandTimeout): Promise<boolean> {
    const sentAt = performance.now()
    const token = await this.#run<number>(timeout, ACQUIRE_SCRIPT, 2, this.#key, `${this.#key}:token`, this.#owner, String(this.#ttl))
    if (typeof token !== 'number' || token <= 0) return false
    this.#token = token
    this.#value = `${token}:${this.#owner}`
    this.#validUntil = sentAt + this.#ttl
    return true
  }

  /** Extends the lease; resolves `false` (and forgets it) when it was lost. */
  async renew(): Promise<boolean> {
    const value = this.#value
    if (value === undefined) return false
    const sentAt = performance.now()
    let renewed: unknown
    try {
      renewed = await this.#run(this.#commandTimeout, RENEW_SCRIPT, 1, this.#key, value, String(this.#ttl))
    } catch {
      // Unknown outcome: keep the lease until it runs out by our clock.
      return this.held
    }
    if (renewed !== 1 || this.#value !== value) {
      this.#value = undefined
      return false
    }
    this.#validUntil = sentAt + this.#ttl
    return this.held
  }

  /** Gives the lease up at once, so that a standby need not wait for `ttl`. */
  async release(): Promise<void> {
    const value = this.#value
    this.#value = undefined
    if (value === undefined) return
    await this.#run(this.#commandTimeout, RELEASE_SCRIPT, 1, this.#key, value).catch(() => undefined)
  }

  /** Forgets the lease without telling Redis (it expires there). */
  forget(): void {
    this.#value = undefined
  }

  #run<T>(timeout: number, script: string, keys: number, ...args: string[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`Redis did not answer within ${timeout} ms`)) }, timeout)
      timer.unref()
      this.#redis.eval(script, keys, ...args).then(
        (result) => {
          clearTimeout(timer)
          resolve(result as T)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }
}
