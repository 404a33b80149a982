import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { MysqlStatementTap } from './mysql-statement-tap.js'

/** How the next matching result is cut; see {@link MysqlFaultProxy.cutNextResult}. */
export interface CutOptions {
  /** Which statement's result to cut. Default: the next statement that is not a `SET`. */
  readonly match?: (statement: string) => boolean
  /** Result bytes forwarded to the client before both sides are closed. */
  readonly afterBytes: number
}

/**
 * A TCP proxy in front of MariaDB whose faults each test switches on and off. It forwards
 * bytes unchanged unless told otherwise and records every statement, as the wire proxy does.
 * Faults act on the server-to-client direction, which is what a client waits on.
 */
export interface MysqlFaultProxy {
  /** Port the proxy listens on (127.0.0.1); it keeps it across `down()`/`up()`. */
  readonly port: number
  /** A `mysql://` URI to the proxied database, for mysql2. */
  readonly uri: string
  /** Every statement the server was asked to run through the proxy (text or prepared), in order. */
  readonly statements: readonly string[]
  /** Client connections open now. */
  readonly connections: number
  /** Client connections accepted since the start. */
  readonly accepted: number
  /** Stops listening (new connections are refused with ECONNREFUSED) and cuts open ones. */
  down(): Promise<void>
  /** Listens again on the same port. */
  up(): Promise<void>
  /**
   * While on, accepts connections but never answers them (no handshake, no reply): a host
   * that vanished without closing its sockets. Existing connections are not affected.
   */
  blackhole(on: boolean): void
  /** Delays every server-to-client chunk by `ms` (order kept). `0` turns it off. */
  latency(ms: number): void
  /** Holds every server-to-client byte, handshakes included, until `resume()`. */
  stall(): void
  /** Delivers what `stall()` held and forwards normally again. */
  resume(): void
  /**
   * Arms a cut: the result of the next statement that `match`es is forwarded up to
   * `afterBytes` bytes, then both sockets are closed. Resolves once the cut happened.
   */
  cutNextResult(options: CutOptions): Promise<void>
  /** Closes every open connection at once. */
  cutAll(): void
  /** Turns every fault off (and listens again if down). */
  heal(): Promise<void>
  close(): Promise<void>
}

interface Pair {
  readonly client: Socket
  upstream: Socket | undefined
  // Server-to-client chunks waiting for their release time, or for resume().
  readonly queue: { at: number; chunk: Buffer }[]
  timer: NodeJS.Timeout | undefined
  // Bytes of the current result still allowed through, when a cut is armed for it.
  cutBudget: number | undefined
  onCut: (() => void) | undefined
  closed: boolean
}

/** Starts a fault proxy to `target` (the test MariaDB by default). */
export async function startMysqlFaultProxy(
  target: { host: string; port: number; user?: string; database?: string } = { host: '127.0.0.1', port: 3306 },
): Promise<MysqlFaultProxy> {
  const statements: string[] = []
  const pairs = new Set<Pair>()
  let accepted = 0
  let blackholed = false
  let latencyMs = 0
  let stalled = false
  let armed: { match: (statement: string) => boolean; afterBytes: number; resolve: () => void } | undefined
  let server: Server | undefined
  let port = 0

  const closePair = (pair: Pair): void => {
    if (pair.closed) return
    pair.closed = true
    clearTimeout(pair.timer)
    pair.queue.length = 0
    pair.client.destroy()
    pair.upstream?.destroy()
    pairs.delete(pair)
  }

  // Writes what is due, in order; a chunk under a cut budget is truncated and ends the pair.
  const pump = (pair: Pair): void => {
    clearTimeout(pair.timer)
    pair.timer = undefined
    if (stalled) return
    const now = performance.now()
    while (pair.queue.length > 0 && !pair.closed) {
      const next = pair.queue[0]!
      if (next.at > now) {
        pair.timer = setTimeout(() => { pump(pair) }, Math.ceil(next.at - now))
        return
      }
      pair.queue.shift()
      deliver(pair, next.chunk)
    }
  }

  const deliver = (pair: Pair, chunk: Buffer): void => {
    if (pair.cutBudget === undefined) {
      pair.client.write(chunk)
      return
    }
    const allowed = Math.min(chunk.length, pair.cutBudget)
    if (allowed > 0) pair.client.write(chunk.subarray(0, allowed))
    pair.cutBudget -= allowed
    if (pair.cutBudget === 0) {
      const onCut = pair.onCut
      // Let the partial bytes reach the client before the close does.
      pair.client.end(() => {
        closePair(pair)
        onCut?.()
      })
      pair.queue.length = 0
      pair.cutBudget = undefined
      pair.onCut = undefined
    }
  }

  const onClient = (client: Socket): void => {
    accepted++
    const pair: Pair = {
      client, upstream: undefined, queue: [], timer: undefined, cutBudget: undefined, onCut: undefined, closed: false,
    }
    pairs.add(pair)
    client.on('error', () => { closePair(pair) })
    client.on('close', () => { closePair(pair) })
    if (blackholed) {
      // Answer nothing: the client's connect deadline is all that ends it.
      client.resume()
      return
    }
    const upstream = createConnection({ host: target.host, port: target.port })
    pair.upstream = upstream
    upstream.on('error', () => { closePair(pair) })
    upstream.on('close', () => { closePair(pair) })
    const tap = new MysqlStatementTap((statement) => {
      statements.push(statement)
      if (armed?.match(statement) === true) {
        pair.cutBudget = armed.afterBytes
        pair.onCut = armed.resolve
        armed = undefined
      }
    })
    upstream.on('data', (chunk: Buffer) => {
      if (pair.closed) return
      tap.fromServer(chunk)
      if (!stalled && latencyMs === 0 && pair.queue.length === 0) {
        deliver(pair, chunk)
        return
      }
      const last = pair.queue[pair.queue.length - 1]
      pair.queue.push({ at: Math.max(performance.now() + latencyMs, last?.at ?? 0), chunk })
      if (pair.queue.length === 1) pump(pair)
    })
    client.on('data', (chunk: Buffer) => {
      tap.fromClient(chunk)
      upstream.write(chunk)
    })
  }

  const listen = async (): Promise<void> => {
    const next = createServer(onClient)
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject)
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject)
        resolve()
      })
    })
    server = next
    port = (next.address() as AddressInfo).port
  }

  const stop = async (): Promise<void> => {
    const current = server
    server = undefined
    for (const pair of [...pairs]) closePair(pair)
    if (current !== undefined) await new Promise<void>((resolve) => current.close(() => { resolve() }))
  }

  await listen()
  const user = target.user ?? 'root'
  const database = target.database ?? 'test'

  const resume = (): void => {
    stalled = false
    for (const pair of pairs) {
      // Held chunks are due now; only chunks still under latency keep waiting.
      const now = performance.now()
      for (const item of pair.queue) item.at = Math.min(item.at, now)
      pump(pair)
    }
  }
  const up = async (): Promise<void> => {
    if (server === undefined) await listen()
  }

  return {
    get port() {
      return port
    },
    get uri() {
      return `mysql://${user}@127.0.0.1:${port}/${database}`
    },
    statements,
    get connections() {
      return pairs.size
    },
    get accepted() {
      return accepted
    },
    down: stop,
    up,
    blackhole(on) {
      blackholed = on
    },
    latency(ms) {
      latencyMs = ms
    },
    stall() {
      stalled = true
    },
    resume,
    cutNextResult({ match = (statement) => !/^\s*set\b/i.test(statement), afterBytes }) {
      return new Promise<void>((resolve) => {
        armed = { match, afterBytes, resolve }
      })
    },
    cutAll() {
      for (const pair of [...pairs]) closePair(pair)
    },
    async heal() {
      blackholed = false
      latencyMs = 0
      armed = undefined
      for (const pair of pairs) pair.cutBudget = undefined
      resume()
      await up()
    },
    close: stop,
  }
}
