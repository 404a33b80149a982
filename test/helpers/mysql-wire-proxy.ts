import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net'

/** A TCP proxy in front of MariaDB that records every statement crossing the wire. */
export interface MysqlWireProxy {
  /** Port the proxy listens on (127.0.0.1). */
  readonly port: number
  /** Every COM_QUERY text the server was sent through this proxy, in order. */
  readonly statements: readonly string[]
  /** Open client connections. */
  readonly connections: number
  close(): Promise<void>
}

// MySQL client/server protocol: each packet is a 3-byte little-endian payload length, a
// 1-byte sequence id, then the payload. A command starts a new sequence (id 0) and its
// first payload byte is the command; 0x03 is COM_QUERY, followed by the statement text.
const COM_QUERY = 0x03

/**
 * Starts a proxy to `target` that forwards bytes unchanged and records statements, so tests
 * can count the queries MariaDB really received rather than trusting the code under test.
 */
export async function startMysqlWireProxy(
  target: { host: string; port: number } = { host: '127.0.0.1', port: 3306 },
): Promise<MysqlWireProxy> {
  const statements: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = createConnection(target)
    sockets.add(client)
    sockets.add(upstream)
    let pending: Buffer = Buffer.alloc(0)
    client.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      while (pending.length >= 4) {
        const length = pending.readUIntLE(0, 3)
        if (pending.length < 4 + length) break
        const sequence = pending[3]
        if (sequence === 0 && length > 0 && pending[4] === COM_QUERY) {
          statements.push(pending.subarray(5, 4 + length).toString('utf8'))
        }
        pending = pending.subarray(4 + length)
      }
      upstream.write(chunk)
    })
    upstream.pipe(client)
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
    get connections() {
      return [...sockets].length / 2
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => { resolve() })
      }),
  }
}
