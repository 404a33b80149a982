import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net'
import { MysqlStatementTap, type WireCommand } from '../helpers/mysql-statement-tap.js'

/** What happens to the next COM_STMT_EXECUTE of a statement that `match`es. */
export type ExecuteFault =
  /** The connection is closed instead of forwarding the execute: prepared, never executed. */
  | 'cut'
  /** The server is told to close the statement first (COM_STMT_CLOSE): it no longer knows it. */
  | 'forget'

/** A TCP proxy in front of MariaDB that can strike between a PREPARE and its EXECUTE. */
export interface StatementFaultProxy {
  readonly port: number
  /** Client connections accepted since the start. */
  readonly accepted: number
  /** Every command, in order, with the number of the connection it came on. */
  readonly commands: readonly (WireCommand & { readonly connection: number })[]
  /** Arms a fault for the next execute of a statement that `match`es. */
  arm(fault: ExecuteFault, match: (text: string) => boolean): void
  close(): Promise<void>
}

export async function startStatementFaultProxy(target: { host: string; port: number }): Promise<StatementFaultProxy> {
  const commands: (WireCommand & { readonly connection: number })[] = []
  const sockets = new Set<Socket>()
  let accepted = 0
  let armed: { fault: ExecuteFault; match: (text: string) => boolean } | undefined
  const server = createServer((client) => {
    const connection = ++accepted
    const upstream = createConnection(target)
    sockets.add(client)
    sockets.add(upstream)
    // Set by the tap while it reads a chunk, before the chunk is forwarded.
    let strike: { fault: ExecuteFault; statementId: number } | undefined
    const tap = new MysqlStatementTap(() => undefined, (command) => {
      commands.push({ ...command, connection })
      if (command.kind === 'execute' && armed !== undefined && command.text !== undefined && armed.match(command.text)) {
        strike = { fault: armed.fault, statementId: command.statementId }
        armed = undefined
      }
    })
    const close = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('data', (chunk: Buffer) => {
      tap.fromClient(chunk)
      const current = strike
      strike = undefined
      if (current?.fault === 'cut') {
        close()
        return
      }
      if (current?.fault === 'forget') {
        // COM_STMT_CLOSE: 3-byte length, sequence 0, command 0x19, statement id. No reply.
        const packet = Buffer.alloc(9)
        packet.writeUIntLE(5, 0, 3)
        packet[3] = 0
        packet[4] = 0x19
        packet.writeUInt32LE(current.statementId, 5)
        upstream.write(packet)
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => { tap.fromServer(chunk) })
    upstream.pipe(client)
    client.on('close', close)
    upstream.on('close', close)
    client.on('error', close)
    upstream.on('error', close)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted
    },
    commands,
    arm(fault, match) {
      armed = { fault, match }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => { resolve() })
      }),
  }
}
