import { MariadbGtidPosition, type AnyBinlogEvent, type RowData, type TableMapEntry } from '@vlasky/zongji'
import type { BinlogPosition } from './binlog-position.js'
import { ChangeSet } from './change-set.js'
import { classifyStatement, mayChangeTable } from './statements.js'

/** What the tracker tells its owner. */
export interface TransactionTrackerEvents {
  /**
   * An event group (a transaction, or a standalone statement such as DDL) ended at `position`.
   * `changes` holds what it changed in the table, or is `undefined` when it changed nothing
   * there (most groups of a busy server).
   */
  groupEnd(changes: ChangeSet | undefined, position: BinlogPosition): void
  /** The server sent a heartbeat while no group was open: the stream has everything up to `position`. */
  heartbeat(position: BinlogPosition): void
}

/** Which table, and how to bound a transaction's changes. */
export interface TransactionTrackerOptions {
  readonly schema: string
  readonly table: string
  readonly maxIdsPerTenant: number
  readonly maxTenantsPerTransaction: number
}

/**
 * Turns the stream's events into per-transaction change sets and positions (MariaDB flavour:
 * every group starts with a GTID event). Keeps its own GTID position, seeded with the one the
 * stream started from and advanced at each group end, so that a position it reports always
 * names exactly the groups whose changes were reported before it.
 *
 * Synchronous and allocation-light for groups that do not touch the table: their cost is a
 * GTID update and a call.
 */
export class TransactionTracker {
  readonly #options: TransactionTrackerOptions
  readonly #events: TransactionTrackerEvents
  readonly #gtid: MariadbGtidPosition
  // Table IDs of the table's table maps, and whether they carry both key columns.
  readonly #tables = new Map<number, boolean>()
  #file: string | undefined
  #position: number | undefined
  #open = false
  #inTransaction = false
  #pending: { domainId: number; serverId: number; seqNo: number | string } | undefined
  #changes: ChangeSet | undefined

  constructor(start: BinlogPosition, options: TransactionTrackerOptions, events: TransactionTrackerEvents) {
    this.#options = options
    this.#events = events
    this.#gtid = MariadbGtidPosition.parse(start.gtid)
    this.#file = start.file
    this.#position = start.position
  }

  /** The position after the last group that ended. */
  position(): BinlogPosition {
    return { gtid: this.#gtid.toString(), file: this.#file, position: this.#position }
  }

  /** Whether every transaction of `gtid` (a GTID position) has ended in the stream. */
  covers(gtid: string): boolean {
    const target = MariadbGtidPosition.parse(gtid)
    if (target.isEmpty()) return true
    return target.toString().split(',').every((entry) => this.#gtid.covers(entry))
  }

  handle(event: AnyBinlogEvent): void {
    switch (event.getEventName()) {
      case 'mariadbgtid': {
        const gtid = event as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtid' }>
        // A group never left open: a new one starts only after the last one ended.
        if (this.#open) this.#end(0)
        this.#open = true
        this.#inTransaction = !gtid.standalone
        this.#pending = { domainId: gtid.domainId, serverId: gtid.serverId, seqNo: gtid.seqNo }
        return
      }
      case 'tablemap': {
        const map = event as Extract<AnyBinlogEvent, { getEventName(): 'tablemap' }>
        this.#openImplicitly()
        const entry = map.tableMap[map.tableId]
        // `false` for the table without its key columns: its rows then invalidate everything
        // (#rowsTarget), since they cannot be told apart. A table ID the server reuses for
        // another table no longer counts as the table's.
        if (entry !== undefined && this.#isTable(entry)) this.#tables.set(map.tableId, hasKeyColumns(entry))
        else this.#tables.delete(map.tableId)
        return
      }
      case 'writerows':
      case 'deleterows': {
        const rows = event as Extract<AnyBinlogEvent, { getEventName(): 'writerows' | 'deleterows' }>
        const changes = this.#rowsTarget(rows.tableId)
        if (changes === undefined) return
        for (const row of rows.rows) this.#addRow(changes, row)
        return
      }
      case 'updaterows': {
        const rows = event as Extract<AnyBinlogEvent, { getEventName(): 'updaterows' }>
        const changes = this.#rowsTarget(rows.tableId)
        if (changes === undefined) return
        // Both images: a row moved to another tenant (or another ID) is gone from the old one.
        for (const row of rows.rows) {
          this.#addRow(changes, row.before)
          this.#addRow(changes, row.after)
        }
        return
      }
      case 'xid':
        this.#end(event.nextPosition)
        return
      case 'xaprepare':
        // Not visible yet: the XA COMMIT that makes it visible invalidates everything.
        this.#changes = undefined
        this.#end(event.nextPosition)
        return
      case 'query': {
        const query = event as Extract<AnyBinlogEvent, { getEventName(): 'query' }>
        this.#query(query.query, query.nextPosition)
        return
      }
      case 'heartbeat': {
        const heartbeat = event as Extract<AnyBinlogEvent, { getEventName(): 'heartbeat' }>
        if (this.#open) return
        if (heartbeat.nextPosition > 0) {
          this.#file = heartbeat.binlogName
          this.#position = heartbeat.nextPosition
        }
        this.#events.heartbeat(this.position())
        return
      }
      case 'rotate': {
        const rotate = event as Extract<AnyBinlogEvent, { getEventName(): 'rotate' }>
        this.#file = rotate.binlogName
        // The offset of the last group end belongs to the previous file; the next group end
        // (or heartbeat) brings a new one.
        if (!this.#open) this.#position = undefined
        return
      }
      case 'transactionpayload':
      case 'partialupdaterows':
      case 'unknown':
        this.#openImplicitly()
        this.#group().addAll('unsupported-event')
        return
      // Any other event (format, intvar, rand, user var...) changes no row.
    }
  }

  /** A row event of the table that could not be decoded: the whole group counts as "everything". */
  undecodable(): void {
    this.#openImplicitly()
    this.#group().addAll('undecodable')
  }

  #query(text: string, nextPosition: number): void {
    switch (classifyStatement(text)) {
      case 'begin':
        this.#openImplicitly()
        this.#inTransaction = true
        return
      case 'commit':
      case 'rollback':
      case 'xa-rollback':
        this.#end(nextPosition)
        return
      case 'xa-commit':
        this.#openImplicitly()
        this.#group().addAll('xa-commit')
        this.#end(nextPosition)
        return
      case 'ignore':
        return
      case 'other':
        this.#openImplicitly()
        if (mayChangeTable(text, this.#options.schema, this.#options.table)) this.#group().addAll('statement')
        if (!this.#inTransaction) this.#end(nextPosition)
        return
    }
  }

  // Between groups there is no GTID pending and no transaction open (#end resets both), so
  // opening implicitly only marks the group open.
  #openImplicitly(): void {
    this.#open = true
  }

  #group(): ChangeSet {
    this.#changes ??= new ChangeSet(this.#options.maxIdsPerTenant, this.#options.maxTenantsPerTransaction)
    return this.#changes
  }

  #rowsTarget(tableId: number): ChangeSet | undefined {
    const usable = this.#tables.get(tableId)
    // Rows of another table (zongji filters them out already) or with no table map seen.
    if (usable === undefined) return undefined
    this.#openImplicitly()
    const changes = this.#group()
    if (!usable) {
      changes.addAll('table-map')
      return undefined
    }
    return changes
  }

  #addRow(changes: ChangeSet, row: RowData): void {
    const tenantId = row.tenant_id
    const id = row.id
    // An ID above 2^53 arrives as a string: no repository can have cached it (IDs are safe
    // integers), so there is nothing to invalidate.
    if (isCacheableId(tenantId) && isCacheableId(id)) changes.add(tenantId, id)
  }

  #isTable(entry: TableMapEntry): boolean {
    return entry.tableName === this.#options.table && entry.parentSchema === this.#options.schema
  }

  #end(nextPosition: number): void {
    if (this.#pending !== undefined) this.#gtid.add(this.#pending)
    this.#pending = undefined
    if (nextPosition > 0) this.#position = nextPosition
    const changes = this.#changes
    this.#changes = undefined
    this.#open = false
    this.#inTransaction = false
    this.#events.groupEnd(changes?.empty === false ? changes : undefined, this.position())
  }
}

function hasKeyColumns(entry: TableMapEntry): boolean {
  const names = entry.columnSchemas.map((column) => column.COLUMN_NAME)
  return names.includes('id') && names.includes('tenant_id')
}

function isCacheableId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}
