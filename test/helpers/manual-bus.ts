import type { InvalidationBus, InvalidationMessage, InvalidationSubscriber } from '../../src/index.js'

/**
 * An in-process {@link InvalidationBus} the test drives: it delivers published messages to the
 * other subscribers at once and loses or regains trust only when told to, so a test can put a
 * batch in flight on one side of a trust change and land it on the other.
 */
export class ManualBus implements InvalidationBus {
  /** Every message published through this bus, in order. */
  readonly published: InvalidationMessage[] = []
  readonly #subscribers = new Set<InvalidationSubscriber>()
  #trusted: boolean

  constructor(trusted = true) {
    this.#trusted = trusted
  }

  publish(message: InvalidationMessage, sender?: InvalidationSubscriber): Promise<void> {
    this.published.push(message)
    for (const subscriber of this.#subscribers) if (subscriber !== sender) subscriber.onInvalidation(message)
    return Promise.resolve()
  }

  subscribe(subscriber: InvalidationSubscriber): () => void {
    this.#subscribers.add(subscriber)
    subscriber.onTrustChange(this.#trusted)
    return () => {
      this.#subscribers.delete(subscriber)
    }
  }

  /** Tells every subscriber whether delivery is promised now (as a real bus does on a change). */
  setTrusted(trusted: boolean): void {
    if (trusted === this.#trusted) return
    this.#trusted = trusted
    for (const subscriber of this.#subscribers) subscriber.onTrustChange(trusted)
  }
}
