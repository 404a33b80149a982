// MySQL client/server protocol: each packet is a 3-byte little-endian payload length, a
// 1-byte sequence id, then the payload. A command starts a new sequence (id 0) and its first
// payload byte names it. Text statements are COM_QUERY; prepared ones are COM_STMT_PREPARE
// (the text; the server answers with a statement id) then COM_STMT_EXECUTE (that id) per run.
const COM_QUERY = 0x03
const COM_STMT_PREPARE = 0x16
const COM_STMT_EXECUTE = 0x17
const COM_STMT_CLOSE = 0x19

/**
 * Watches both directions of one MySQL connection and reports every statement the server is
 * asked to run: the text of a COM_QUERY, or the prepared text behind a COM_STMT_EXECUTE.
 * Only packet headers of the server's replies are read, so big results cost nothing.
 */
export class MysqlStatementTap {
  readonly #onStatement: (statement: string) => void
  #clientBuffer: Buffer = Buffer.alloc(0)
  readonly #prepared = new Map<number, string>()
  // Texts sent with COM_STMT_PREPARE, waiting for the server's answer (in order).
  readonly #preparing: string[] = []
  // Server side: header bytes collected so far, and payload bytes left to skip.
  #serverHeader: Buffer = Buffer.alloc(0)
  #serverSkip = 0
  #serverFirstByteWanted = false
  #serverSequence = 0
  #serverPayloadHead: number[] = []

  constructor(onStatement: (statement: string) => void) {
    this.#onStatement = onStatement
  }

  /** Bytes the client sent to the server. */
  fromClient(chunk: Buffer): void {
    this.#clientBuffer = this.#clientBuffer.length === 0 ? chunk : Buffer.concat([this.#clientBuffer, chunk])
    while (this.#clientBuffer.length >= 4) {
      const length = this.#clientBuffer.readUIntLE(0, 3)
      if (this.#clientBuffer.length < 4 + length) break
      if (this.#clientBuffer[3] === 0 && length > 0) this.#command(this.#clientBuffer.subarray(4, 4 + length))
      this.#clientBuffer = this.#clientBuffer.subarray(4 + length)
    }
  }

  /** Bytes the server sent to the client. */
  fromServer(chunk: Buffer): void {
    let offset = 0
    while (offset < chunk.length) {
      if (this.#serverSkip > 0) {
        const take = Math.min(this.#serverSkip, chunk.length - offset)
        if (this.#serverFirstByteWanted) {
          for (let i = 0; i < take && this.#serverPayloadHead.length < 5; i++) this.#serverPayloadHead.push(chunk[offset + i] as number)
        }
        this.#serverSkip -= take
        offset += take
        if (this.#serverSkip === 0) this.#serverPacket()
        continue
      }
      const need = 4 - this.#serverHeader.length
      const take = Math.min(need, chunk.length - offset)
      this.#serverHeader = Buffer.concat([this.#serverHeader, chunk.subarray(offset, offset + take)])
      offset += take
      if (this.#serverHeader.length === 4) {
        this.#serverSkip = this.#serverHeader.readUIntLE(0, 3)
        this.#serverSequence = this.#serverHeader[3] as number
        this.#serverHeader = Buffer.alloc(0)
        this.#serverPayloadHead = []
        this.#serverFirstByteWanted = this.#preparing.length > 0 && this.#serverSequence === 1
        if (this.#serverSkip === 0) this.#serverPacket()
      }
    }
  }

  #command(payload: Buffer): void {
    const command = payload[0]
    if (command === COM_QUERY) this.#onStatement(payload.subarray(1).toString('utf8'))
    else if (command === COM_STMT_PREPARE) this.#preparing.push(payload.subarray(1).toString('utf8'))
    else if (command === COM_STMT_EXECUTE && payload.length >= 5) {
      const statement = this.#prepared.get(payload.readUInt32LE(1))
      if (statement !== undefined) this.#onStatement(statement)
    } else if (command === COM_STMT_CLOSE && payload.length >= 5) {
      this.#prepared.delete(payload.readUInt32LE(1))
    }
  }

  // The first packet of the answer to a COM_STMT_PREPARE: 0x00 and the statement id, or an error.
  #serverPacket(): void {
    if (!this.#serverFirstByteWanted) return
    this.#serverFirstByteWanted = false
    const text = this.#preparing.shift() as string
    const head = this.#serverPayloadHead
    if (head[0] === 0x00 && head.length >= 5) {
      const id = Buffer.from(head.slice(1, 5)).readUInt32LE(0)
      this.#prepared.set(id, text)
    }
  }
}
