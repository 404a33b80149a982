import type { Dialect, Driver } from 'kysely'

/**
 * Holds COMMITs before they reach the database, until the test opens the gate: the
 * transaction's callback has returned, its writes are not visible to other connections yet,
 * and the test decides what runs in between (a reader) before letting the commit through.
 */
export class CommitGate {
  /** While true, every commit waits before it is sent. */
  closed = false
  /** Commits that completed (the database acknowledged them). */
  committed = 0
  readonly #held: (() => void)[] = []
  #onHeld: (() => void) | undefined

  /** Resolves once a commit waits at the gate. */
  whenHeld(): Promise<void> {
    if (this.#held.length > 0) return Promise.resolve()
    return new Promise((resolve) => { this.#onHeld = resolve })
  }

  /** Lets every waiting commit through, and stops holding new ones. */
  open(): void {
    this.closed = false
    for (const release of this.#held.splice(0)) release()
  }

  /** Wraps `inner` so that each of its commits passes this gate first. */
  dialect(inner: Dialect): Dialect {
    const gated = (driver: Driver): Driver['commitTransaction'] => async (connection) => {
      await this.#pass()
      await driver.commitTransaction(connection)
      this.committed++
    }
    // Everything else is the inner dialect's and driver's own, bound to them (their methods
    // use private fields, so they must run on the original objects).
    return new Proxy(inner, {
      get(target, key) {
        if (key !== 'createDriver') return bound(target, key)
        return (): Driver => {
          const driver = target.createDriver()
          const commitTransaction = gated(driver)
          return new Proxy(driver, {
            get: (innerDriver, name) => (name === 'commitTransaction' ? commitTransaction : bound(innerDriver, name)),
          })
        }
      },
    })
  }

  async #pass(): Promise<void> {
    if (!this.closed) return
    await new Promise<void>((resolve) => {
      this.#held.push(resolve)
      this.#onHeld?.()
      this.#onHeld = undefined
    })
  }
}

function bound(target: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(target, key)
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
}
