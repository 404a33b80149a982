import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net'
import { MysqlStatementTap, type WireCommand } from './mysql-statement-tap.js'

/** A TCP proxy in front of MariaDB that records every statement crossing the wire. */
export interface MysqlWireProxy {
  /** Port the proxy listens on (127.0.0.1). */
  readonly port: number
  /** Every statement the server was asked to run through this proxy (text or prepared), in order. */
  readonly statements: readonly string[]
  /**
   * Every command in detail (see {@link WireCommand}), in order, with the number of the
   * client connection it came on (1 for the first the proxy accepted).
   */
  readonly commands: readonly (WireCommand & { readonly connection: number })[]
  /** Open client connections. */
  readonly connections: number
  /** Client connections accepted since the start. */
  readonly accepted: number
  close(): Promise<void>
}


/**
 * Decides what becomes of a chunk the client sent, given the commands it completed (often
 * none or one) and the connection's number: the bytes to forward (the chunk itself, or other
 * bytes), or `null` to close the connection instead.
 */
export type ClientChunkHook = (chunk: Buffer, commands: readonly WireCommand[], connection: number) => Buffer | null

/**
 * Decides what the client receives of a chunk the server sent (the first one of a connection
 * holds the handshake), given the connection's number. The statement record sees the server's
 * own bytes.
 */
export type ServerChunkHook = (chunk: Buffer, connection: number) => Buffer

/**
 * Starts a proxy to `target` that forwards bytes unchanged and records statements, so tests
 * can count the queries MariaDB really received rather than trusting the code under test.
 * `onClientChunk`, when given, may change or stop what the client sends (a fault test's hook);
 * `onServerChunk` may change what it receives.
 */
export async function startMysqlWireProxy(
  target: { host: string; port: number } = { host: '127.0.0.1', port: 3306 },
  onClientChunk?: ClientChunkHook,
  onServerChunk?: ServerChunkHook,
): Promise<MysqlWireProxy> {
  const statements: string[] = []
  const commands: (WireCommand & { readonly connection: number })[] = []
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createServer((client) => {
    const connection = ++accepted
    const upstream = createConnection(target)
    sockets.add(client)
    sockets.add(upstream)
    const tap = new MysqlStatementTap(
      (statement) => statements.push(statement),
      (command) => commands.push({ ...command, connection }),
    )
    client.on('data', (chunk: Buffer) => {
      const before = commands.length
      tap.fromClient(chunk)
      const forward = onClientChunk === undefined ? chunk : onClientChunk(chunk, commands.slice(before), connection)
      if (forward === null) close()
      else upstream.write(forward)
    })
    upstream.on('data', (chunk: Buffer) => { tap.fromServer(chunk) })
    if (onServerChunk === undefined) upstream.pipe(client)
    else upstream.on('data', (chunk: Buffer) => { client.write(onServerChunk(chunk, connection)) })
    const close = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('close', close)
    upstream.on('close', close)
    client.on('error', close)
    upstream.on('error', close)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    statements,
    commands,
    get connections() {
      return [...sockets].length / 2
    },
    get accepted() {
      return accepted
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => { resolve() })
      }),
  }
}
