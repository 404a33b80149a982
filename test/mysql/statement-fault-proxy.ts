import { startMysqlWireProxy, type MysqlWireProxy } from '../helpers/mysql-wire-proxy.js'

/** What happens to the next COM_STMT_EXECUTE of a statement that `match`es. */
export type ExecuteFault =
  /** The connection is closed instead of forwarding the execute: prepared, never executed. */
  | 'cut'
  /** The server is told to close the statement first (COM_STMT_CLOSE): it no longer knows it. */
  | 'forget'

/** The wire proxy, able to strike between a PREPARE and its EXECUTE. */
export interface StatementFaultProxy extends MysqlWireProxy {
  /** Arms a fault for the next execute of a statement that `match`es. */
  arm(fault: ExecuteFault, match: (text: string) => boolean): void
}

export async function startStatementFaultProxy(target: { host: string; port: number }): Promise<StatementFaultProxy> {
  let armed: { fault: ExecuteFault; match: (text: string) => boolean } | undefined
  const proxy = await startMysqlWireProxy(target, (chunk, commands) => {
    const execute = commands.find((c) => c.kind === 'execute' && c.text !== undefined && armed?.match(c.text) === true)
    if (armed === undefined || execute?.kind !== 'execute') return chunk
    const { fault } = armed
    armed = undefined
    if (fault === 'cut') return null
    // COM_STMT_CLOSE ahead of the execute: 3-byte length, sequence 0, 0x19, the statement id.
    // The server answers nothing to it.
    const close = Buffer.alloc(9)
    close.writeUIntLE(5, 0, 3)
    close[4] = 0x19
    close.writeUInt32LE(execute.statementId, 5)
    return Buffer.concat([close, chunk])
  })
  return Object.assign(proxy, {
    arm(fault: ExecuteFault, match: (text: string) => boolean) {
      armed = { fault, match }
    },
  })
}
