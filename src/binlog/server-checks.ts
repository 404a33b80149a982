import type { Connection, RowDataPacket } from 'mysql2/promise'
import type { BinlogCheckpoint } from './checkpoint-store.js'
import { MariadbGtidPosition } from '@vlasky/zongji'
import { compareFilePositions, type BinlogPosition, type FilePosition } from './binlog-position.js'
import { BinlogConnectionError, BinlogPrivilegeError, BinlogUnsafeServerError } from './errors.js'

/** What the checks learnt about the server. */
export interface ServerFacts {
  readonly version: string
  readonly serverId: number
}

/** The settings a safe tail needs, with the fix for each. */
const REQUIRED = [
  { setting: 'binlog_format', expected: 'ROW', fix: "SET GLOBAL binlog_format = 'ROW' and put binlog_format=ROW in the server's configuration (sessions keep the format they started with until they reconnect)." },
  { setting: 'binlog_row_image', expected: 'FULL', fix: "SET GLOBAL binlog_row_image = 'FULL' and put binlog_row_image=FULL in the server's configuration." },
  { setting: 'binlog_row_metadata', expected: 'FULL', fix: "SET GLOBAL binlog_row_metadata = 'FULL' and put binlog_row_metadata=FULL in the server's configuration (without it an ALTER between a write and its decoding shifts columns silently)." },
] as const

const ACCESS_DENIED = new Set([1227, 1044, 1045, 1142, 1143])

/**
 * Refuses a server the tailer cannot follow safely, with a typed error naming the setting or
 * privilege and the fix: MariaDB 10.5 or later with binary logging, `binlog_format=ROW`,
 * `binlog_row_image=FULL`, `binlog_row_metadata=FULL`, a `server_id` other than ours, BINLOG
 * MONITOR (to list the binlog files), SELECT on the table, which must exist. REPLICATION SLAVE
 * is checked by the dump itself (see BinlogStream). Global values are read, since those are the
 * ones new sessions (the application's writers) get.
 */
export async function checkServer(control: Connection, schema: string, table: string, replicaServerId: number): Promise<ServerFacts> {
  const [rows] = await control.query<RowDataPacket[]>(
    'SELECT VERSION() AS version, @@GLOBAL.server_id AS serverId, @@GLOBAL.log_bin AS logBin, ' +
      '@@GLOBAL.binlog_format AS binlog_format, @@GLOBAL.binlog_row_image AS binlog_row_image',
  )
  const facts: Record<string, unknown> = rows[0] ?? {}
  const version = String(facts.version)
  const mariadb = /mariadb/i.exec(version) !== null
  const [major = 0, minor = 0] = version.split(/[.-]/).map(Number)
  if (!mariadb || major * 100 + minor < 1005) {
    throw new BinlogUnsafeServerError('version', version, 'MariaDB 10.5 or later', 'This version tails MariaDB only (10.5 and later log binlog_row_metadata); point `connection` at one.')
  }
  if (Number(facts.logBin) !== 1) {
    throw new BinlogUnsafeServerError('log_bin', 'OFF', 'ON', 'Start the server with --log-bin (binary logging cannot be turned on at run time).')
  }
  const serverId = Number(facts.serverId)
  if (serverId === replicaServerId) {
    throw new BinlogUnsafeServerError('server_id', String(serverId), `not ${replicaServerId}`, 'Give the source a `serverId` no server or replica of the topology uses.')
  }
  const [metadata] = await control.query<RowDataPacket[]>('SELECT @@GLOBAL.binlog_row_metadata AS binlog_row_metadata')
  const values: Record<string, unknown> = { ...facts, binlog_row_metadata: metadata[0]?.binlog_row_metadata }
  for (const { setting, expected, fix } of REQUIRED) {
    const actual = String(values[setting])
    if (actual.toUpperCase() !== expected) throw new BinlogUnsafeServerError(setting, actual, expected, fix)
  }
  try {
    await control.query('SHOW BINARY LOGS')
  } catch (error) {
    if (isAccessDenied(error)) throw new BinlogPrivilegeError('BINLOG MONITOR', 'GRANT BINLOG MONITOR ON *.* TO <user> (REPLICATION CLIENT on MariaDB before 10.5)', error)
    throw error
  }
  try {
    await control.query('SELECT 1 FROM ??.?? LIMIT 0', [schema, table])
  } catch (error) {
    if (errno(error) === 1146) {
      throw new BinlogUnsafeServerError('table', `${schema}.${table} missing`, 'an existing table', 'Create the table (or fix `table`) before starting the source.')
    }
    if (isAccessDenied(error)) throw selectPrivilegeError(schema, table, error)
    throw error
  }
  return { version, serverId }
}

/** The GRANT the table needs (MariaDB also answers "denied" for a table that does not exist). */
export function selectPrivilegeError(schema: string, table: string, cause: unknown): BinlogPrivilegeError {
  return new BinlogPrivilegeError('SELECT', `GRANT SELECT ON \`${schema}\`.\`${table}\` TO <user> (and check that the table exists)`, cause)
}

/** The GRANT the dump needs when the server refused it. */
export function replicationPrivilegeError(cause: unknown): BinlogPrivilegeError {
  return new BinlogPrivilegeError('REPLICATION SLAVE', 'GRANT REPLICATION SLAVE ON *.* TO <user>', cause)
}

/** Why a checkpoint cannot be resumed from on this server, or `undefined` when it can. */
export type CheckpointVerdict = 'purged' | 'server-changed' | undefined

/**
 * Tells whether `checkpoint` can be resumed from on this server: it must come from a server
 * with the same `server_id`, and, when it names a file and offset, that file must still exist
 * and the server's own GTID position at that offset (`BINLOG_GTID_POS`) must be the
 * checkpoint's. A mismatch means another server (or a reinitialised one) answers at this
 * address; a missing file means the binlog was purged past the checkpoint.
 */
export async function verifyCheckpoint(control: Connection, checkpoint: BinlogCheckpoint, facts: ServerFacts): Promise<CheckpointVerdict> {
  if (checkpoint.serverId !== facts.serverId) return 'server-changed'
  if (checkpoint.file === undefined || checkpoint.position === undefined) return undefined
  const [logs] = await control.query<RowDataPacket[]>('SHOW BINARY LOGS')
  const files = logs.map((row) => String(row.Log_name))
  if (!files.includes(checkpoint.file)) {
    const first = files[0]
    const older = first !== undefined && compareFilePositions({ file: checkpoint.file, position: 0 }, { file: first, position: 0 }) < 0
    return older ? 'purged' : 'server-changed'
  }
  const [rows] = await control.query<RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [checkpoint.file, checkpoint.position])
  const gtid = rows[0]?.gtid as unknown
  if (typeof gtid !== 'string') return 'server-changed'
  return normalize(gtid) === normalize(checkpoint.gtid) ? undefined : 'server-changed'
}

/**
 * The server's current position read in one consistent step: a consistent-snapshot
 * transaction reports the binlog offset that matches the data it sees (MariaDB keeps the two
 * consistent for exactly this), and `BINLOG_GTID_POS` turns it into the GTID position. Every
 * transaction before it is visible to any read from now on; every later one is streamed.
 */
export async function consistentPosition(control: Connection): Promise<BinlogPosition> {
  const snapshot = await snapshotPosition(control)
  const [rows] = await control.query<RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [snapshot.file, snapshot.position])
  const gtid = rows[0]?.gtid as unknown
  if (typeof gtid !== 'string') throw new BinlogConnectionError(`The server gave no GTID position for ${snapshot.file}:${snapshot.position}`)
  return { gtid: normalize(gtid), file: snapshot.file, position: snapshot.position }
}

/**
 * The binlog offset of a fresh consistent snapshot: every transaction that ends at or before it
 * is visible to every read that starts after this returns. What confirms a commit's visibility
 * (the event can reach the tailer a few milliseconds before the commit becomes visible).
 */
export async function snapshotPosition(control: Connection): Promise<FilePosition> {
  await control.query('START TRANSACTION WITH CONSISTENT SNAPSHOT')
  try {
    const [rows] = await control.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'")
    let file: string | undefined
    let position: number | undefined
    for (const row of rows) {
      if (row.Variable_name === 'Binlog_snapshot_file') file = String(row.Value)
      if (row.Variable_name === 'Binlog_snapshot_position') position = Number(row.Value)
    }
    if (file === undefined || file === '' || position === undefined || !Number.isSafeInteger(position)) {
      throw new BinlogConnectionError('The server reported no binlog snapshot position')
    }
    return { file, position }
  } finally {
    await control.query('COMMIT')
  }
}

/** The server's `@@gtid_binlog_pos`: what the stream must reach to be caught up. */
export async function binlogGtidPosition(control: Connection): Promise<string> {
  const [rows] = await control.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS gtid')
  return normalize(String(rows[0]?.gtid ?? ''))
}

function normalize(gtid: string): string {
  return MariadbGtidPosition.parse(gtid.trim()).toString()
}

/** The server's error number of a driver error, if any. */
export function errno(error: unknown): number | undefined {
  const value = (error as { errno?: unknown } | null)?.errno
  return typeof value === 'number' ? value : undefined
}

function isAccessDenied(error: unknown): boolean {
  const number = errno(error)
  return number !== undefined && ACCESS_DENIED.has(number)
}
