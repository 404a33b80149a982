import { randomBytes } from 'node:crypto'
import { ContactValidationError } from '../errors.js'
import { assertIdList, assertTenantId } from '../validation/id-schema.js'
import {
  deliverInvalidation,
  tellTrust,
  type InvalidationBus,
  type InvalidationMessage,
  type InvalidationSubscriber,
  type SourceStatus,
  type SourceStatusAnnouncer,
} from '../invalidation/invalidation-bus.js'
import {
  busTrustChannel,
  publishChannel,
  publishFailureChannel,
  receiveChannel,
  type BusPublishEvent,
  type BusPublishFailureEvent,
  type BusReceiveEvent,
  type BusTrustEvent,
} from './diagnostics.js'
import { InvalidationBusClosedError } from './errors.js'
import { decodeMessage, decodeSourceStatus, encodeInvalidation, encodePing, encodeSourceStatus } from './message-format.js'
import {
  resolveBusOptions,
  type RedisInvalidationBusOptions,
  type ResolvedBusOptions,
} from './redis-invalidation-bus-options.js'
import { RetryQueue } from './retry-queue.js'
import { SourceTrust } from './source-trust.js'
import { TrustMonitor, type DistrustReason } from './trust-monitor.js'

/** Counters since creation, and the bus's current state. */
export interface RedisInvalidationBusStats {
  /** This bus's name in the messages it sends (their `origin`). */
  readonly id: string
  /**
   * Whether the bus promises delivery now: it heard its own ping within `heartbeatTimeout`
   * and, with `sourceTimeout`, the source announced "healthy" within it.
   */
  readonly trusted: boolean
  /** Why not, while `trusted` is false. */
  readonly distrustReason: DistrustReason | undefined
  /** Times trust was lost or regained. */
  readonly trustChanges: number
  /** Repositories (or other subscribers) attached now. */
  readonly subscribers: number
  /** Invalidations Redis acknowledged, retried ones included. */
  readonly published: number
  /** Of `published`, those that had waited in the retry queue. */
  readonly retried: number
  /** PUBLISH commands that failed or went unanswered for `publishTimeout`; their invalidations were queued. */
  readonly publishFailures: number
  /** Invalidations queued without trying, because the publisher was not ready (or not answering). */
  readonly deferred: number
  /** PUBLISH commands of invalidations awaiting Redis's reply now. */
  readonly inflight: number
  /** Entries waiting in the retry queue now (see `maxQueued`). */
  readonly queued: number
  /** Times the retry queue overflowed and widened its entries instead of growing. */
  readonly collapsed: number
  /**
   * Queue entries abandoned by `close()` because Redis could not take them in time (with a
   * process warning). Nothing is dropped otherwise.
   */
  readonly dropped: number
  /** Invalidations received from other buses and delivered. */
  readonly received: number
  /** Messages on the channel this version could not read, delivered as full invalidations. */
  readonly unreadable: number
  /** Heartbeat pings published. */
  readonly pingsSent: number
  /** Own pings heard back on the channel. */
  readonly pingsHeard: number
  /** Times `heartbeatTimeout` passed without hearing a ping while trusted. */
  readonly heartbeatTimeouts: number
  /** Times the subscriber connection closed after having been ready. */
  readonly subscriptionDrops: number
  /** Sequence number of the last message this bus sent (pings and announcements included). */
  readonly sequence: number
  /**
   * With `sourceTimeout`: whether the source it depends on is trusted now (`undefined` without
   * `sourceTimeout`).
   */
  readonly sourceTrusted: boolean | undefined
  /** With `sourceTimeout`: the fencing token of the source followed now, once one was heard. */
  readonly sourceToken: number | undefined
  /** Source announcements heard and taken into account. */
  readonly statusesHeard: number
  /** Source announcements ignored: a higher token was heard recently, or they were unreadable. */
  readonly statusesIgnored: number
  /** Times the source fell silent for `sourceTimeout` while trusted. */
  readonly sourceSilences: number
  /** Announcements this bus sent for a source (`announceSourceStatus`). */
  readonly statusesSent: number
  /** Announcements dropped because the publisher was not ready or not answering. */
  readonly statusesDropped: number
}

/**
 * An {@link InvalidationBus} over Redis pub/sub, with its own counters and lifecycle. It is also
 * a {@link SourceStatusAnnouncer}: a binlog tailer announces its health through it to every bus
 * of the channel created with `sourceTimeout`.
 */
export interface RedisInvalidationBus extends InvalidationBus, SourceStatusAnnouncer {
  /** This bus's name in the messages it sends. */
  readonly id: string
  stats(): RedisInvalidationBusStats
  /**
   * Stops the heartbeat, gives queued invalidations one last chance (up to `publishTimeout`),
   * unsubscribes the channel, removes the bus's listeners and tells its subscribers it no
   * longer delivers (`onTrustChange(false)`). The connections stay open: they are yours.
   */
  close(): Promise<void>
  /**
   * Publishes a source's health on `<channel>:source` (see `sourceTimeout`). Best-effort:
   * dropped while the publisher is not ready or not answering. A "healthy" announcement goes
   * out as "unhealthy" while invalidations of this bus wait in its retry queue, since the
   * others have not received them yet. Never rejects.
   */
  announceSourceStatus(status: SourceStatus): Promise<void>
}

/**
 * Creates an invalidation bus over Redis pub/sub for `new ContactRepository({ bus })`.
 *
 * - `publish` applies the invalidation to the bus's other local subscribers at once, then
 *   PUBLISHes it; it resolves once Redis acknowledged it or it was queued for retry, and
 *   never rejects for Redis's sake.
 * - Every `heartbeatInterval` the bus publishes a ping and retries its queue. Its subscribers
 *   trust it while it hears its own pings: it tells them `false` when the subscriber
 *   connection closes or no ping came back within `heartbeatTimeout`, and `true` once one does.
 * - Messages from other buses are delivered to every local subscriber; the bus's own are not
 *   (its subscribers had them at `publish`).
 */
export function createRedisInvalidationBus(options: RedisInvalidationBusOptions): RedisInvalidationBus {
  return new RedisBus(resolveBusOptions(options))
}

const RESOLVED = Promise.resolve()
const noop = (): void => undefined

interface Counters {
  trustChanges: number
  published: number
  retried: number
  publishFailures: number
  deferred: number
  dropped: number
  received: number
  unreadable: number
  pingsSent: number
  pingsHeard: number
  subscriptionDrops: number
  statusesIgnored: number
  statusesSent: number
  statusesDropped: number
}

class RedisBus implements RedisInvalidationBus {
  readonly id = randomBytes(6).toString('base64url')
  readonly #options: ResolvedBusOptions
  readonly #subscribers = new Set<InvalidationSubscriber>()
  readonly #queue: RetryQueue
  readonly #trust: TrustMonitor
  readonly #counters: Counters = {
    trustChanges: 0, published: 0, retried: 0, publishFailures: 0, deferred: 0, dropped: 0,
    received: 0, unreadable: 0, pingsSent: 0, pingsHeard: 0, subscriptionDrops: 0,
    statusesIgnored: 0, statusesSent: 0, statusesDropped: 0,
  }
  readonly #sourceChannel: string
  // Only with `sourceTimeout`: the source's announcements, combined with #trust.
  readonly #source: SourceTrust | undefined
  #trusted = false
  readonly #ticker: NodeJS.Timeout
  #seq = 0
  #inflight = 0
  #idleWaiters: (() => void)[] = []
  // Set when a PUBLISH went unanswered: invalidations then wait in our bounded queue rather
  // than pile up in ioredis's unbounded one, until any reply (or a reconnection) clears it.
  #stalled = false
  #subscriberReady = false
  #state: 'open' | 'closing' | 'closed' = 'open'
  #closing: Promise<void> | undefined

  readonly #onMessage = (channel: string, text: string): void => {
    if (channel === this.#options.channel) this.#receive(text)
    else if (this.#source !== undefined && channel === this.#sourceChannel) this.#receiveStatus(text)
  }
  readonly #onSubscriberReady = (): void => {
    this.#subscriberReady = true
    this.#subscribe()
  }
  readonly #onSubscriberClose = (): void => {
    // Failed connection attempts close too; only a subscription that was up can drop.
    if (!this.#subscriberReady && !this.#trust.trusted) return
    this.#counters.subscriptionDrops++
    this.#subscriberReady = false
    // Whatever is published until the subscription is back is lost for us.
    this.#trust.lost('subscription-closed')
  }
  // A reconnected publisher may still be marked stalled: the ping's reply ends that
  // (#answered), and the queue goes out with it.
  readonly #onPublisherReady = (): void => {
    this.#ping()
    this.#retry()
  }

  constructor(options: ResolvedBusOptions) {
    this.#options = options
    this.#queue = new RetryQueue(options.maxQueued)
    this.#sourceChannel = `${options.channel}:source`
    this.#trust = new TrustMonitor(options.heartbeatTimeout, () => { this.#combineTrust() })
    this.#source = options.sourceTimeout === undefined
      ? undefined
      : new SourceTrust(options.sourceTimeout, () => { this.#combineTrust() })
    const { publisher, subscriber } = options
    subscriber.on('message', this.#onMessage)
    subscriber.on('ready', this.#onSubscriberReady)
    subscriber.on('close', this.#onSubscriberClose)
    publisher.on('ready', this.#onPublisherReady)
    this.#subscriberReady = subscriber.status === 'ready'
    this.#ticker = setInterval(() => {
      this.#ping()
      this.#retry()
    }, options.heartbeatInterval)
    this.#ticker.unref()
    this.#subscribe()
  }

  publish(message: InvalidationMessage, sender?: InvalidationSubscriber): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(new InvalidationBusClosedError())
    try {
      checkMessage(message)
    } catch (error) {
      return Promise.reject(error)
    }
    if (message.kind === 'ids' && message.ids.length === 0) return RESOLVED
    this.#deliver(message, sender)
    return this.#send(message, false)
  }

  subscribe(subscriber: InvalidationSubscriber): () => void {
    if (this.#state !== 'open') throw new InvalidationBusClosedError()
    if (typeof subscriber.onInvalidation !== 'function' || typeof subscriber.onTrustChange !== 'function') {
      throw new TypeError('subscriber must have onInvalidation() and onTrustChange() methods')
    }
    this.#subscribers.add(subscriber)
    subscriber.onTrustChange(this.#trusted)
    return () => {
      this.#subscribers.delete(subscriber)
    }
  }

  stats(): RedisInvalidationBusStats {
    return {
      id: this.id,
      trusted: this.#trusted,
      distrustReason: this.#distrustReason(),
      subscribers: this.#subscribers.size,
      ...this.#counters,
      inflight: this.#inflight,
      queued: this.#queue.size,
      collapsed: this.#queue.collapses,
      heartbeatTimeouts: this.#trust.timeouts,
      sequence: this.#seq,
      sourceTrusted: this.#source?.trusted,
      sourceToken: this.#source?.token,
      statusesHeard: this.#source?.heard ?? 0,
      statusesIgnored: this.#counters.statusesIgnored + (this.#source?.ignored ?? 0),
      sourceSilences: this.#source?.silences ?? 0,
    }
  }

  announceSourceStatus(status: SourceStatus): Promise<void> {
    if (this.#state !== 'open') return RESOLVED
    const { publisher } = this.#options
    if (this.#stalled || publisher.status !== 'ready') {
      this.#counters.statusesDropped++
      return RESOLVED
    }
    // The others cannot have what still waits here: "healthy" would be a promise not kept yet.
    const healthy = status.healthy && this.#queue.size === 0
    this.#counters.statusesSent++
    const text = encodeSourceStatus(this.id, ++this.#seq, { token: status.token, healthy })
    return publisher.publish(this.#sourceChannel, text).then(noop, () => { this.#counters.statusesDropped++ })
  }

  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#state = 'closing'
    clearInterval(this.#ticker)
    this.#retry()
    await this.#whenIdle()
    this.#state = 'closed'
    const { publisher, subscriber, channel } = this.#options
    const dropped = this.#queue.size
    if (dropped > 0) {
      this.#queue.drain()
      this.#counters.dropped += dropped
      process.emitWarning(
        `${dropped} queued invalidation(s) could not be published before the bus closed; ` +
          'other instances keep those contacts until their TTL',
        { code: 'CONTACT_REPOSITORY_INVALIDATIONS_DROPPED' },
      )
    }
    subscriber.off('message', this.#onMessage)
    subscriber.off('ready', this.#onSubscriberReady)
    subscriber.off('close', this.#onSubscriberClose)
    publisher.off('ready', this.#onPublisherReady)
    const channels = this.#source === undefined ? [channel] : [channel, this.#sourceChannel]
    if (subscriber.status !== 'end') subscriber.unsubscribe(...channels).catch(noop)
    this.#source?.stop()
    this.#trust.lost('closed')
    this.#subscribers.clear()
  }

  #canPublish(): boolean {
    return this.#state !== 'closed' && !this.#stalled && this.#options.publisher.status === 'ready'
  }

  #send(message: InvalidationMessage, retried: boolean): Promise<void> {
    if (!this.#canPublish()) {
      this.#counters.deferred++
      this.#queue.add(message)
      return RESOLVED
    }
    const { publisher, channel, publishTimeout } = this.#options
    const seq = ++this.#seq
    const text = encodeInvalidation(this.id, seq, message)
    this.#inflight++
    return new Promise<void>((resolve) => {
      let settled = false
      const fail = (error: unknown): void => {
        settled = true
        this.#counters.publishFailures++
        // The local invalidation already happened; the others get it when Redis takes it.
        this.#queue.add(message)
        if (publishFailureChannel.hasSubscribers) {
          publishFailureChannel.publish({ bus: this.id, message, error } satisfies BusPublishFailureEvent)
        }
        this.#settleOne()
        resolve()
      }
      const timer = setTimeout(() => {
        if (settled) return
        this.#stalled = true
        fail(undefined)
      }, publishTimeout)
      timer.unref()
      publisher.publish(channel, text).then(
        () => {
          this.#answered()
          if (publishChannel.hasSubscribers) {
            publishChannel.publish({ bus: this.id, seq, message, retried, late: settled } satisfies BusPublishEvent)
          }
          // A late reply duplicates the queued copy, which costs the others a cache miss.
          if (settled) return
          settled = true
          clearTimeout(timer)
          this.#counters.published++
          if (retried) this.#counters.retried++
          this.#settleOne()
          resolve()
        },
        (error: unknown) => {
          if (settled) return
          clearTimeout(timer)
          fail(error)
        },
      )
    })
  }

  #settleOne(): void {
    this.#inflight--
    if (this.#inflight === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const wake of waiters) wake()
    }
  }

  #whenIdle(): Promise<void> {
    if (this.#inflight === 0) return RESOLVED
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  // Any reply proves the publisher works again.
  #answered(): void {
    if (!this.#stalled) return
    this.#stalled = false
    if (this.#state === 'open') this.#retry()
  }

  #retry(): void {
    if (this.#queue.size === 0 || !this.#canPublish()) return
    for (const message of this.#queue.drain()) void this.#send(message, true)
  }

  #ping(): void {
    const { publisher, channel, publishTimeout } = this.#options
    // Sent even while stalled: its reply is what tells us the publisher answers again.
    if (this.#state !== 'open' || publisher.status !== 'ready') return
    this.#counters.pingsSent++
    let answered = false
    const timer = setTimeout(() => {
      if (!answered) this.#stalled = true
    }, publishTimeout)
    timer.unref()
    publisher.publish(channel, encodePing(this.id, ++this.#seq)).then(
      () => {
        answered = true
        clearTimeout(timer)
        this.#answered()
      },
      () => {
        answered = true
        clearTimeout(timer)
      },
    )
  }

  #subscribe(): void {
    if (this.#state !== 'open') return
    const { subscriber, channel } = this.#options
    // One SUBSCRIBE for both: the ping that proves one proves the other.
    const subscribed = this.#source === undefined
      ? subscriber.subscribe(channel)
      : subscriber.subscribe(channel, this.#sourceChannel)
    subscribed.then(
      () => { this.#ping() },
      noop, // not connected yet: subscribed again on the next 'ready'
    )
  }

  #receive(text: string): void {
    const wire = decodeMessage(text)
    switch (wire.kind) {
      case 'ping':
        if (wire.origin === this.id) {
          this.#counters.pingsHeard++
          this.#trust.heard()
        }
        return
      case 'invalidation':
        // Our own subscribers had it when it was published.
        if (wire.origin === this.id) return
        this.#counters.received++
        if (receiveChannel.hasSubscribers) {
          receiveChannel.publish({
            bus: this.id, origin: wire.origin, seq: wire.seq, message: wire.message,
          } satisfies BusReceiveEvent)
        }
        this.#deliver(wire.message, undefined)
        return
      case 'unreadable': {
        // Possibly an invalidation from a newer version: forgetting everything is always safe.
        this.#counters.unreadable++
        const message: InvalidationMessage = { kind: 'all' }
        if (receiveChannel.hasSubscribers) {
          receiveChannel.publish({ bus: this.id, origin: undefined, seq: 0, message } satisfies BusReceiveEvent)
        }
        this.#deliver(message, undefined)
        return
      }
    }
  }

  #receiveStatus(text: string): void {
    const decoded = decodeSourceStatus(text)
    if (decoded === undefined) {
      this.#counters.statusesIgnored++
      return
    }
    this.#source?.hear(decoded.status)
  }

  #distrustReason(): DistrustReason | undefined {
    if (this.#trusted) return undefined
    return this.#trust.reason ?? this.#source?.reason
  }

  // Trusted while the subscription is and, with `sourceTimeout`, the source is too.
  #combineTrust(): void {
    const trusted = this.#trust.trusted && (this.#source?.trusted ?? true)
    if (trusted === this.#trusted) return
    this.#trusted = trusted
    this.#onTrustChange(trusted, this.#distrustReason())
  }

  #deliver(message: InvalidationMessage, except: InvalidationSubscriber | undefined): void {
    deliverInvalidation(this.#subscribers, message, except)
  }

  #onTrustChange(trusted: boolean, reason: DistrustReason | undefined): void {
    this.#counters.trustChanges++
    if (busTrustChannel.hasSubscribers) {
      busTrustChannel.publish({ bus: this.id, trusted, reason } satisfies BusTrustEvent)
    }
    tellTrust(this.#subscribers, trusted)
  }
}

function checkMessage(message: InvalidationMessage): void {
  switch ((message as { kind?: unknown } | null | undefined)?.kind) {
    case 'ids':
      assertTenantId((message as { tenantId: unknown }).tenantId, 'tenantId')
      assertIdList((message as { ids: unknown }).ids, 'ids')
      return
    case 'tenant':
      assertTenantId((message as { tenantId: unknown }).tenantId, 'tenantId')
      return
    case 'all':
      return
    default:
      throw new ContactValidationError([
        { code: 'invalid', path: ['message', 'kind'], message: "Must be 'ids', 'tenant' or 'all'" },
      ])
  }
}
