import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji'
import type { ConnectionOptions } from 'mysql2'
import { BinlogConnectionError } from './errors.js'
import { errno, replicationPrivilegeError } from './server-checks.js'

/** How one stream connects and what it asks the server for. */
export interface BinlogStreamOptions {
  readonly connection: ConnectionOptions
  readonly serverId: number
  readonly schema: string
  readonly table: string
  /** The server sends a heartbeat after this many idle milliseconds. */
  readonly heartbeatInterval: number
  /** How long the dump may take to send its first event. */
  readonly startTimeout: number
}

/** What the stream reports to its owner. */
export interface BinlogStreamEvents {
  event(event: AnyBinlogEvent): void
  /** An event of the table could not be decoded; the stream goes on. */
  undecodable(error: unknown): void
  /** The stream ended (connection lost, server error); it will not report anything again. */
  failure(error: unknown): void
}

/** The server cannot stream from the requested GTID position (error 1236). */
export class BinlogGapError extends Error {
  override name = 'BinlogGapError'
  readonly reason: 'purged' | 'server-changed'

  constructor(cause: unknown) {
    const message = (cause as { message?: unknown } | null)?.message
    const purged = typeof message === 'string' && /purged/i.test(message)
    super(purged ? 'The binlog was purged past the requested position' : 'The server does not have the requested position', { cause })
    this.reason = purged ? 'purged' : 'server-changed'
  }
}

// Only what the tracker reads; the rest is skipped before decoding. Other tables' table maps
// and row events are dropped by `includeSchema` before their rows are parsed.
const EVENTS = [
  'rotate', 'heartbeat', 'mariadbgtid', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'xaprepare', 'query',
  'transactionpayload', 'partialupdaterows', 'unknown',
]

const NANOSECONDS_PER_MS = 1_000_000

/**
 * One binlog dump over zongji, from a GTID position: asks the server for heartbeats (zongji
 * does not), resolves `start` once the server accepted the dump (its first event), maps the
 * server's refusals (purged or foreign position, missing REPLICATION SLAVE) to typed errors,
 * and tells decoding problems (which cost a full invalidation) from the end of the stream.
 */
export class BinlogStream {
  readonly #options: BinlogStreamOptions
  readonly #events: BinlogStreamEvents
  #zongji: ZongJi | undefined
  #started = false
  #ended = false
  #abandon: ((error: unknown) => void) | undefined

  constructor(options: BinlogStreamOptions, events: BinlogStreamEvents) {
    this.#options = options
    this.#events = events
  }

  start(gtid: string): Promise<void> {
    const { connection, serverId, schema, table, heartbeatInterval, startTimeout } = this.#options
    const zongji = new ZongJi(connection)
    this.#zongji = zongji
    return new Promise<void>((resolve, reject) => {
      this.#abandon = reject
      const timer = setTimeout(() => {
        fail(new BinlogConnectionError(`The server sent nothing within ${startTimeout} ms of the binlog dump request`))
      }, startTimeout)
      timer.unref()
      const fail = (error: unknown): void => {
        clearTimeout(timer)
        if (this.#ended) return
        this.#ended = true
        this.#stopZongji()
        const mapped = mapStreamError(error)
        if (this.#started) this.#events.failure(mapped)
        else reject(mapped)
      }
      zongji.on('ready', () => {
        // Queued before the dump command, which zongji adds right after this event.
        zongji.connection?.query(`SET @master_heartbeat_period = ${heartbeatInterval * NANOSECONDS_PER_MS}`, (error: unknown) => {
          if (error !== null && error !== undefined) fail(error)
        })
      })
      zongji.on('binlog', (event: AnyBinlogEvent) => {
        if (this.#ended) return
        if (!this.#started) {
          this.#started = true
          this.#abandon = undefined
          clearTimeout(timer)
          resolve()
        }
        this.#events.event(event)
      })
      zongji.on('error', (error: Error) => {
        if (this.#ended) return
        if (endsStream(error)) fail(error)
        else this.#events.undecodable(error)
      })
      zongji.start({
        serverId,
        gtidSet: gtid,
        includeEvents: EVENTS,
        includeSchema: { [schema]: [table] },
      })
    })
  }

  /** Ends the stream without reporting a failure (a pending `start` rejects). */
  stop(): void {
    this.#ended = true
    this.#stopZongji()
    this.#abandon?.(new BinlogConnectionError('The binlog stream was stopped while starting'))
    this.#abandon = undefined
  }

  #stopZongji(): void {
    const zongji = this.#zongji
    this.#zongji = undefined
    if (zongji === undefined) return
    // Late errors of the connections being torn down must not become uncaught.
    zongji.removeAllListeners('binlog')
    zongji.on('error', () => undefined)
    zongji.stop()
  }
}

/**
 * Whether a zongji error ends the stream: the driver's and the server's errors do (they carry a
 * code or errno, or are fatal), as do zongji's halts while fetching table metadata. What is left
 * is a decoding error of one event, after which zongji goes on with the next.
 */
export function endsStream(error: Error): boolean {
  const { code, errno: number, fatal } = error as Error & { code?: unknown; errno?: unknown; fatal?: unknown }
  if (fatal === true || typeof code === 'string' || typeof number === 'number') return true
  return /^(Control connection unavailable|Insufficient permissions)/.test(error.message)
}

function mapStreamError(error: unknown): unknown {
  switch (errno(error)) {
    case 1236:
      return new BinlogGapError(error)
    case 1227:
      return replicationPrivilegeError(error)
    default:
      return error
  }
}
