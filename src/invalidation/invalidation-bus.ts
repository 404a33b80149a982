/** An invalidation as it travels between repositories (and processes). */
export type InvalidationMessage =
  | { readonly kind: 'ids'; readonly tenantId: number; readonly ids: readonly number[] }
  | { readonly kind: 'tenant'; readonly tenantId: number }
  | { readonly kind: 'all' }

/** What a repository exposes to the bus it is given. */
export interface InvalidationSubscriber {
  /** Applies an invalidation that another repository published. Must not throw. */
  onInvalidation(message: InvalidationMessage): void
  /**
   * Called with `false` when the bus can no longer promise to deliver invalidations (the
   * subscription dropped, a heartbeat went unheard) and with `true` once it can again.
   * An untrusting repository flushes its cache and, until trusted again, keeps new entries
   * no longer than `untrustedTtl`.
   */
  onTrustChange(trusted: boolean): void
}

/**
 * The seam between a repository and whatever carries invalidations to other instances
 * (Redis pub/sub in `contact-repository/redis`). Implementations must be safe against
 * duplicated and reordered messages: an invalidation only ever deletes, so applying one twice
 * or late costs a cache miss, never a stale row.
 */
export interface InvalidationBus {
  /**
   * Sends `message` to every other subscriber. Resolves once the message is published or
   * queued for retry; transport failures are the bus's to handle (retry, or mark subscribers
   * untrusted), so this promise does not reject for them.
   *
   * `sender` is the subscriber that publishes (a repository passes the object it subscribed
   * with): it already applied the message, so the bus does not deliver it back.
   */
  publish(message: InvalidationMessage, sender?: InvalidationSubscriber): Promise<void>
  /**
   * Registers a repository. The bus calls `onTrustChange` with its current state before
   * returning. Returns a function that unsubscribes.
   */
  subscribe(subscriber: InvalidationSubscriber): () => void
}

/**
 * What a source of invalidations that reads changes from elsewhere (the binlog tailer of
 * `contact-repository/binlog`) announces about itself: whether it currently promises that
 * every committed change reaches the bus within its documented bound. A repository must not
 * trust its cache while the source it depends on is unhealthy or silent.
 */
export interface SourceStatus {
  /**
   * The announcer's fencing token (from its lease; `0` without one). Listeners follow the
   * highest token heard recently, so a deposed announcer that has not noticed yet is ignored.
   */
  readonly token: number
  /** Whether the source is streaming, caught up and live. */
  readonly healthy: boolean
}

/**
 * A bus that carries a source's {@link SourceStatus} to every instance (the Redis bus does).
 * Announcements are periodic and best-effort: one that cannot be sent is dropped, and
 * listeners treat silence as unhealthy.
 */
export interface SourceStatusAnnouncer {
  /** Sends `status` to every instance listening for it; never rejects. */
  announceSourceStatus(status: SourceStatus): Promise<void>
}

/**
 * Delivers `message` to every subscriber but `except`: what a bus does for the repositories of
 * its process. A subscriber that breaks its "must not throw" contract does not keep the others
 * from theirs; its error then surfaces as uncaught instead of vanishing, and never inside the
 * caller's I/O callback (ioredis's parser, zongji's).
 */
export function deliverInvalidation(
  subscribers: Iterable<InvalidationSubscriber>,
  message: InvalidationMessage,
  except: InvalidationSubscriber | undefined,
): void {
  forEachSubscriber(subscribers, except, (subscriber) => { subscriber.onInvalidation(message) })
}

/** Tells every subscriber whether the bus can promise delivery; as {@link deliverInvalidation}. */
export function tellTrust(subscribers: Iterable<InvalidationSubscriber>, trusted: boolean): void {
  forEachSubscriber(subscribers, undefined, (subscriber) => { subscriber.onTrustChange(trusted) })
}

function forEachSubscriber(
  subscribers: Iterable<InvalidationSubscriber>,
  except: InvalidationSubscriber | undefined,
  call: (subscriber: InvalidationSubscriber) => void,
): void {
  let failure: { error: unknown } | undefined
  for (const subscriber of subscribers) {
    if (subscriber === except) continue
    try {
      call(subscriber)
    } catch (error) {
      failure ??= { error }
    }
  }
  if (failure !== undefined) {
    const { error } = failure
    queueMicrotask(() => {
      throw error
    })
  }
}
