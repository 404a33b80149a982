/**
 * A point in the server's binlog between two transactions: what the stream resumes from.
 * `gtid` is authoritative (MariaDB GTID position, e.g. `0-1-1234`, one entry per replication
 * domain); `file` and `position` name the same point in this server's files, which lets a
 * restart tell a purged or foreign position before streaming.
 */
export interface BinlogPosition {
  readonly gtid: string
  /** Binlog file name, once known (the first transaction or heartbeat after a start tells it). */
  readonly file: string | undefined
  /** Offset in `file` just after the transaction. */
  readonly position: number | undefined
}

/** A byte position in the binlog files: what visibility and lag are measured against. */
export interface FilePosition {
  readonly file: string
  readonly position: number
}

/**
 * Orders two file positions. Binlog files are `<base>.<sequence>`; the sequence grows past six
 * digits without padding, so it is compared as a number, not as text.
 */
export function compareFilePositions(a: FilePosition, b: FilePosition): number {
  if (a.file !== b.file) {
    const sa = sequenceOf(a.file)
    const sb = sequenceOf(b.file)
    if (sa !== sb) return sa < sb ? -1 : 1
    return a.file < b.file ? -1 : 1
  }
  return a.position - b.position
}

function sequenceOf(file: string): number {
  const dot = file.lastIndexOf('.')
  const sequence = dot < 0 ? Number.NaN : Number(file.slice(dot + 1))
  return Number.isSafeInteger(sequence) ? sequence : -1
}
