import type { SourceDistrustReason } from './source-trust.js'

/**
 * Why a bus does not promise delivery now: its subscription (the reasons below), or, for a bus
 * created with `sourceTimeout`, the invalidation source it depends on ({@link SourceDistrustReason}).
 */
export type DistrustReason =
  | SourceDistrustReason
  /** No ping of its own heard yet since the bus was created. */
  | 'starting'
  /** The subscriber connection closed (dropped, killed, server restarted). */
  | 'subscription-closed'
  /** No ping of its own heard within `heartbeatTimeout` while the connection looked fine. */
  | 'heartbeat-timeout'
  /** The bus was closed. */
  | 'closed'

/**
 * Decides whether a bus can promise delivery: it can once it hears one of its own pings on the
 * channel, and can no longer when the subscription closes or `timeout` passes without hearing
 * one. Hearing a ping proves the subscription was active when Redis handled that ping, and
 * pub/sub keeps a connection's messages in order, so nothing published after it is missed
 * while the connection stays up.
 */
export class TrustMonitor {
  readonly #timeout: number
  readonly #onChange: (trusted: boolean, reason: DistrustReason | undefined) => void
  #trusted = false
  #reason: DistrustReason = 'starting'
  #deadline: NodeJS.Timeout | undefined
  // Bumped by every ping heard, so that a deadline decided before it is ignored.
  #generation = 0
  #timeouts = 0
  #stopped = false

  constructor(timeout: number, onChange: (trusted: boolean, reason: DistrustReason | undefined) => void) {
    this.#timeout = timeout
    this.#onChange = onChange
  }

  get trusted(): boolean {
    return this.#trusted
  }

  /** Why the bus is not trusted, or `undefined` while it is. */
  get reason(): DistrustReason | undefined {
    return this.#trusted ? undefined : this.#reason
  }

  /** Deadlines that passed without a ping heard. */
  get timeouts(): number {
    return this.#timeouts
  }

  /** One of the bus's own pings came back on the channel. */
  heard(): void {
    if (this.#stopped) return
    this.#generation++
    if (this.#deadline === undefined) {
      this.#deadline = setTimeout(() => { this.#expire() }, this.#timeout)
      this.#deadline.unref()
    } else {
      this.#deadline.refresh()
    }
    if (!this.#trusted) this.#set(true, undefined)
  }

  /** The subscription is gone (or the bus closes): distrust at once. */
  lost(reason: DistrustReason): void {
    if (this.#stopped) return
    this.#clearDeadline()
    if (reason === 'closed') this.#stopped = true
    if (this.#trusted) this.#set(false, reason)
    else this.#reason = reason
  }

  #expire(): void {
    this.#deadline = undefined
    const generation = this.#generation
    // Decide after the event loop's I/O phase: after a long pause (GC, a blocking call) the
    // ping may already wait in the socket, and the timer phase runs before it is read.
    setImmediate(() => {
      if (this.#stopped || generation !== this.#generation || !this.#trusted) return
      this.#timeouts++
      this.#set(false, 'heartbeat-timeout')
    })
  }

  #set(trusted: boolean, reason: DistrustReason | undefined): void {
    this.#trusted = trusted
    if (reason !== undefined) this.#reason = reason
    this.#onChange(trusted, reason)
  }

  #clearDeadline(): void {
    // clearTimeout(undefined) does nothing: no need to ask first.
    clearTimeout(this.#deadline)
    this.#deadline = undefined
  }
}
