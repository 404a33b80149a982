// MySQL client/server protocol: each packet is a 3-byte little-endian payload length, a
// 1-byte sequence id, then the payload. A command starts a new sequence (id 0) and its first
// payload byte names it. Text statements are COM_QUERY; prepared ones are COM_STMT_PREPARE
// (the text; the server answers with a statement id) then COM_STMT_EXECUTE (that id) per run.
const COM_QUERY = 0x03
const COM_STMT_PREPARE = 0x16
const COM_STMT_EXECUTE = 0x17
const COM_STMT_CLOSE = 0x19

/**
 * One command as it crossed the wire, for tests that look past the statement text:
 * - `query`: a text statement (COM_QUERY), values inlined by the client;
 * - `prepare`: the server accepted a statement to prepare and gave it an id;
 * - `execute`: a run of a prepared statement, with the values bound in the packet;
 * - `close`: the client deallocated a prepared statement.
 */
export type WireCommand =
  | { readonly kind: 'query'; readonly text: string }
  | { readonly kind: 'prepare'; readonly text: string; readonly statementId: number; readonly parameters: number }
  | { readonly kind: 'execute'; readonly text: string | undefined; readonly statementId: number; readonly values: readonly unknown[] }
  | { readonly kind: 'close'; readonly statementId: number }

/**
 * Watches both directions of one MySQL connection and reports every statement the server is
 * asked to run: the text of a COM_QUERY, or the prepared text behind a COM_STMT_EXECUTE.
 * Only packet headers of the server's replies are read, so big results cost nothing.
 */
export class MysqlStatementTap {
  readonly #onStatement: (statement: string) => void
  readonly #onCommand: ((command: WireCommand) => void) | undefined
  #clientBuffer: Buffer = Buffer.alloc(0)
  readonly #prepared = new Map<number, { text: string; parameters: number }>()
  // Texts sent with COM_STMT_PREPARE, waiting for the server's answer (in order).
  readonly #preparing: string[] = []
  // Server side: header bytes collected so far, and payload bytes left to skip.
  #serverHeader: Buffer = Buffer.alloc(0)
  #serverSkip = 0
  #serverFirstByteWanted = false
  #serverSequence = 0
  #serverPayloadHead: number[] = []

  /** `onCommand`, when given, also hears every command in detail (see {@link WireCommand}). */
  constructor(onStatement: (statement: string) => void, onCommand?: (command: WireCommand) => void) {
    this.#onStatement = onStatement
    this.#onCommand = onCommand
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
          for (let i = 0; i < take && this.#serverPayloadHead.length < 9; i++) this.#serverPayloadHead.push(chunk[offset + i] as number)
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
    if (command === COM_QUERY) {
      const text = payload.subarray(1).toString('utf8')
      this.#onStatement(text)
      this.#onCommand?.({ kind: 'query', text })
    } else if (command === COM_STMT_PREPARE) this.#preparing.push(payload.subarray(1).toString('utf8'))
    else if (command === COM_STMT_EXECUTE && payload.length >= 5) {
      const statementId = payload.readUInt32LE(1)
      const statement = this.#prepared.get(statementId)
      if (statement !== undefined) this.#onStatement(statement.text)
      this.#onCommand?.({
        kind: 'execute', text: statement?.text, statementId, values: boundValues(payload, statement?.parameters ?? 0),
      })
    } else if (command === COM_STMT_CLOSE && payload.length >= 5) {
      const statementId = payload.readUInt32LE(1)
      this.#prepared.delete(statementId)
      this.#onCommand?.({ kind: 'close', statementId })
    }
  }

  // The first packet of the answer to a COM_STMT_PREPARE: 0x00 and the statement id, or an error.
  #serverPacket(): void {
    if (!this.#serverFirstByteWanted) return
    this.#serverFirstByteWanted = false
    const text = this.#preparing.shift() as string
    const head = this.#serverPayloadHead
    if (head[0] === 0x00 && head.length >= 5) {
      const header = Buffer.from(head)
      const id = header.readUInt32LE(1)
      const parameters = header.length >= 9 ? header.readUInt16LE(7) : 0
      this.#prepared.set(id, { text, parameters })
      this.#onCommand?.({ kind: 'prepare', text, statementId: id, parameters })
    }
  }
}

/**
 * The values of a COM_STMT_EXECUTE with `count` parameters, as bound: numbers (integer and
 * floating types), strings, `null`; other types as `{ type }`. After the statement id: flags
 * (1), iteration count (4), NULL bitmap, new-params-bound flag (1), then 2 type bytes per
 * parameter and the values.
 */
function boundValues(payload: Buffer, count: number): unknown[] {
  if (count === 0) return []
  let offset = 10
  const bitmap = payload.subarray(offset, offset + ((count + 7) >> 3))
  offset += bitmap.length
  if (payload[offset++] !== 1) return [] // types not resent: not what mysql2 does
  const types: number[] = []
  for (let i = 0; i < count; i++, offset += 2) types.push(payload[offset] as number)
  const values: unknown[] = []
  for (let i = 0; i < count; i++) {
    if (((bitmap[i >> 3] as number) >> (i & 7)) & 1) {
      values.push(null)
      continue
    }
    const read = readValue(payload, offset, types[i] as number)
    if (read === undefined) {
      values.push({ type: types[i] })
      break // unknown width: stop here rather than misread the rest
    }
    values.push(read.value)
    offset = read.next
  }
  return values
}

/** One bound value of `type` at `offset`, and where the next one starts; `undefined` for other types. */
function readValue(payload: Buffer, offset: number, type: number): { value: unknown; next: number } | undefined {
  switch (type) {
    case 0x05: return { value: payload.readDoubleLE(offset), next: offset + 8 } // DOUBLE
    case 0x08: return { value: Number(payload.readBigInt64LE(offset)), next: offset + 8 } // LONGLONG
    case 0x03: return { value: payload.readInt32LE(offset), next: offset + 4 } // LONG
    case 0x02: return { value: payload.readInt16LE(offset), next: offset + 2 } // SHORT
    case 0x01: return { value: payload.readInt8(offset), next: offset + 1 } // TINY
    case 0x0f: case 0xfc: case 0xfd: case 0xfe: {
      // Length-encoded string: a 1-byte length below 251, or 0xfc then 2 bytes.
      let length = payload[offset] as number
      let start = offset + 1
      if (length === 0xfc) {
        length = payload.readUInt16LE(start)
        start += 2
      }
      return { value: payload.subarray(start, start + length).toString('utf8'), next: start + length }
    }
    default: return undefined
  }
}
