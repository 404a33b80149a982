import type { AnyBinlogEvent } from '@vlasky/zongji'

// Zongji events made by hand for the server-free binlog tests: each carries its name and the
// fields the transaction tracker reads, nothing else.

/** An event named `name` with `fields` (`nextPosition` 0, "unknown", unless given). */
export function syntheticEvent(name: string, fields: Record<string, unknown> = {}): AnyBinlogEvent {
  return { getEventName: () => name, nextPosition: 0, ...fields } as unknown as AnyBinlogEvent
}

/** The table map entry of `app.contacts` with both key columns. */
export const CONTACTS_TABLE = { tableName: 'contacts', parentSchema: 'app', columnSchemas: [{ COLUMN_NAME: 'id' }, { COLUMN_NAME: 'tenant_id' }] }

/** The GTID event that opens group `0-1-<seqNo>` (a transaction, unless standalone). */
export function gtidEvent(seqNo: number, { standalone = false, domainId = 0 } = {}): AnyBinlogEvent {
  return syntheticEvent('mariadbgtid', { domainId, serverId: 1, seqNo, standalone })
}

/** A table map event for table ID `tableId`; `null`: a map that lacks its own table ID. */
export function tableMapEvent(entry: object | null = CONTACTS_TABLE, tableId = 7): AnyBinlogEvent {
  return syntheticEvent('tablemap', { tableId, tableMap: entry === null ? {} : { [tableId]: entry } })
}
