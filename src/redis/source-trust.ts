import type { SourceStatus } from '../invalidation/invalidation-bus.js'

/** Why a bus that depends on an invalidation source does not trust it now. */
export type SourceDistrustReason =
  /** No healthy announcement heard yet since the bus was created. */
  | 'source-starting'
  /** The source announced that it is down, stalled or behind. */
  | 'source-unhealthy'
  /** No announcement heard within `sourceTimeout` (the source died, or cannot reach Redis). */
  | 'source-silent'

/**
 * Decides whether the invalidation source a bus depends on (see `sourceTimeout`) keeps its
 * promise: it does while the latest announcement of the highest fencing token heard within
 * `timeout` said healthy. A lower token is ignored while a higher one is fresh (a deposed tailer
 * that has not noticed yet); once the higher one falls silent for `timeout`, any token counts
 * again, so a lease store that lost its counter cannot lock the fleet out.
 */
export class SourceTrust {
  readonly #timeout: number
  readonly #onChange: (trusted: boolean, reason: SourceDistrustReason | undefined) => void
  #latest: { token: number; healthy: boolean; at: number } | undefined
  #trusted = false
  #reason: SourceDistrustReason = 'source-starting'
  #deadline: NodeJS.Timeout | undefined
  #generation = 0
  #stopped = false
  #heard = 0
  #ignored = 0
  #silences = 0

  constructor(timeout: number, onChange: (trusted: boolean, reason: SourceDistrustReason | undefined) => void) {
    this.#timeout = timeout
    this.#onChange = onChange
  }

  get trusted(): boolean {
    return this.#trusted
  }

  /** Why not trusted, or `undefined` while trusted. */
  get reason(): SourceDistrustReason | undefined {
    return this.#trusted ? undefined : this.#reason
  }

  /** The fencing token followed now, if any announcement was heard. */
  get token(): number | undefined {
    return this.#latest?.token
  }

  /** Announcements taken into account. */
  get heard(): number {
    return this.#heard
  }

  /** Announcements ignored because a higher token was heard within `timeout`. */
  get ignored(): number {
    return this.#ignored
  }

  /** Times the source fell silent for `timeout` while trusted. */
  get silences(): number {
    return this.#silences
  }

  /** An announcement arrived. */
  hear(status: SourceStatus): void {
    if (this.#stopped) return
    const now = performance.now()
    const latest = this.#latest
    if (latest !== undefined && status.token < latest.token && now - latest.at <= this.#timeout) {
      this.#ignored++
      return
    }
    this.#heard++
    this.#latest = { token: status.token, healthy: status.healthy, at: now }
    this.#generation++
    if (!status.healthy) {
      this.#clearDeadline()
      this.#set(false, 'source-unhealthy')
      return
    }
    if (this.#deadline === undefined) {
      this.#deadline = setTimeout(() => { this.#expire() }, this.#timeout)
      this.#deadline.unref()
    } else {
      this.#deadline.refresh()
    }
    this.#set(true, undefined)
  }

  stop(): void {
    this.#stopped = true
    this.#clearDeadline()
  }

  #expire(): void {
    this.#deadline = undefined
    const generation = this.#generation
    // As in TrustMonitor: after a long pause the announcement may already wait in the socket.
    setImmediate(() => {
      // An unhealthy announcement, the only other way to distrust, changes the generation too.
      if (this.#stopped || generation !== this.#generation) return
      this.#silences++
      this.#set(false, 'source-silent')
    })
  }

  #set(trusted: boolean, reason: SourceDistrustReason | undefined): void {
    if (reason !== undefined) this.#reason = reason
    if (trusted === this.#trusted) return
    this.#trusted = trusted
    this.#onChange(trusted, reason)
  }

  #clearDeadline(): void {
    // clearTimeout(undefined) does nothing: no need to ask first.
    clearTimeout(this.#deadline)
    this.#deadline = undefined
  }
}
