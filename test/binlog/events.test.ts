// Every shape of change a foreign writer can make to the contacts table, read from a real
// MariaDB binlog and turned into invalidations: rows, transactions, rollbacks, DDL,
// statement-format writes, other tables. The writer is a plain mysql2 connection.
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ContactRepository, type InvalidationMessage } from '../../src/index.js'
import {
  BINLOG_CHANNELS,
  createBinlogInvalidationSource,
  memoryCheckpointStore,
  type BinlogGapEvent,
  type BinlogInvalidateEvent,
  type BinlogInvalidationSource,
} from '../../src/binlog/index.js'
import { eventually } from '../redis/helpers/clock.js'
import { recordChannel } from '../redis/helpers/record-channel.js'
import { delivered, openBinlogRig, type BinlogRig } from './helpers/binlog-rig.js'

const MARKER_TENANT = 999
const MARKER_ID = 999_999

let rig: BinlogRig
let source: BinlogInvalidationSource
const invalidations = recordChannel<BinlogInvalidateEvent>(BINLOG_CHANNELS.invalidate)
const gaps = recordChannel<BinlogGapEvent>(BINLOG_CHANNELS.gap)

const target = {
  invalidate: () => Promise.resolve(),
  invalidateTenant: () => Promise.resolve(),
  invalidateAll: () => Promise.resolve(),
}

beforeAll(async () => {
  rig = await openBinlogRig('events')
  await rig.seed([
    ...Array.from({ length: 20 }, (_, i) => [1, i + 1] as const),
    ...Array.from({ length: 20 }, (_, i) => [2, i + 101] as const),
    ...Array.from({ length: 10 }, (_, i) => [i + 10, i + 201] as const),
    [MARKER_TENANT, MARKER_ID],
  ])
  await rig.write('CREATE TABLE other (id INT PRIMARY KEY, tenant_id INT, v INT)')
  source = createBinlogInvalidationSource({
    connection: rig.tailer,
    serverId: 4711,
    table: 'contacts',
    target,
    maxIdsPerTenant: 5,
    maxTenantsPerTransaction: 3,
  })
  await source.start()
})

afterAll(async () => {
  invalidations.stop()
  gaps.stop()
  // Whatever beforeAll managed to open (it may have failed half way).
  const opened = { source: source as BinlogInvalidationSource | undefined, rig: rig as BinlogRig | undefined }
  await opened.source?.close()
  await opened.rig?.close()
})

function sorted(messages: readonly InvalidationMessage[]): InvalidationMessage[] {
  return messages
    .map((m) => (m.kind === 'ids' ? { ...m, ids: [...m.ids].sort((a, b) => a - b) } : m))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
}

/** Runs `sql` as the foreign writer, then a marker write, and returns what each phase sent for `sql`. */
async function changesOf(sql: string): Promise<{ event: InvalidationMessage[]; visible: InvalidationMessage[] }> {
  invalidations.events.length = 0
  await rig.write(sql)
  // The marker proves the source went past `sql` (which may have logged nothing at all).
  const marker = await rig.write(
    `INSERT INTO contacts (tenant_id, id, first_name, type, created_at, updated_at) VALUES (${MARKER_TENANT}, ${MARKER_ID}, 'm', 'person', NOW(), NOW()) ` +
      "ON DUPLICATE KEY UPDATE first_name = CONCAT('m', NOW(6))",
  )
  await delivered(source, marker)
  const mine = invalidations.events.filter((e) => e.source === source.id && !isMarker(e.message))
  return {
    event: sorted(mine.filter((e) => e.phase === 'event').map((e) => e.message)),
    visible: sorted(mine.filter((e) => e.phase === 'visible').map((e) => e.message)),
  }
}

function isMarker(message: InvalidationMessage): boolean {
  return message.kind === 'ids' && message.tenantId === MARKER_TENANT
}

const ids = (tenantId: number, ...list: number[]): InvalidationMessage => ({ kind: 'ids', tenantId, ids: list })

describe('G-BINLOG-GAP: a new source', () => {
  it('started at a gap: one full invalidation once streaming, counted and published', () => {
    expect(gaps.events.filter((e) => e.source === source.id).map((e) => e.reason)).toEqual(['no-checkpoint'])
    expect(source.stats()).toMatchObject({ gaps: 1, state: 'streaming', healthy: true, role: 'active' })
  })
})

describe('G-BINLOG-FRESH: row events', () => {
  it('INSERT invalidates each new row (its "not found" may be cached), per tenant', async () => {
    const { event, visible } = await changesOf(
      "INSERT INTO contacts (tenant_id, id, type, created_at, updated_at) VALUES (1, 50, 'person', NOW(), NOW()), (1, 51, 'person', NOW(), NOW()), (2, 150, 'person', NOW(), NOW())",
    )
    expect(event).toEqual(sorted([ids(1, 50, 51), ids(2, 150)]))
    expect(visible).toEqual(event)
  })

  it('UPDATE invalidates the row; a row moved to another tenant is invalidated in both', async () => {
    expect((await changesOf("UPDATE contacts SET first_name = 'x' WHERE id = 3")).event).toEqual([ids(1, 3)])
    expect((await changesOf('UPDATE contacts SET tenant_id = 2 WHERE id = 4')).event).toEqual(sorted([ids(1, 4), ids(2, 4)]))
    expect((await changesOf('UPDATE contacts SET id = 60 WHERE id = 5')).event).toEqual([ids(1, 5, 60)])
  })

  it('DELETE invalidates the rows', async () => {
    const { event, visible } = await changesOf('DELETE FROM contacts WHERE id IN (6, 7, 106)')
    expect(event).toEqual(sorted([ids(1, 6, 7), ids(2, 106)]))
    expect(visible).toEqual(event)
  })

  it('coalesces a transaction: one message per tenant for all its statements', async () => {
    const { event } = await changesOf(
      "BEGIN; UPDATE contacts SET first_name = 'a' WHERE id = 8; UPDATE contacts SET first_name = 'b' WHERE id IN (9, 108); DELETE FROM contacts WHERE id = 10; COMMIT",
    )
    expect(event).toEqual(sorted([ids(1, 8, 9, 10), ids(2, 108)]))
  })

  it('a rolled-back transaction invalidates nothing', async () => {
    const before = source.stats().transactions
    const { event, visible } = await changesOf("BEGIN; UPDATE contacts SET first_name = 'never' WHERE id IN (11, 12); ROLLBACK")
    expect(event).toEqual([])
    expect(visible).toEqual([])
    expect(source.stats().transactions).toBe(before + 1) // the marker only
  })

  it('widens past maxIdsPerTenant to the tenant, and past maxTenantsPerTransaction to everything', async () => {
    const widened = source.stats().widened
    expect((await changesOf("UPDATE contacts SET first_name = 'w' WHERE tenant_id = 1 AND id BETWEEN 11 AND 20")).event)
      .toEqual([{ kind: 'tenant', tenantId: 1 }])
    expect((await changesOf("UPDATE contacts SET first_name = 'w' WHERE id BETWEEN 201 AND 205")).event).toEqual([{ kind: 'all' }])
    expect(source.stats().widened).toBe(widened + 2)
  })

  it("ignores other tables' rows and DDL", async () => {
    const before = source.stats().transactions
    const { event } = await changesOf(
      'INSERT INTO other VALUES (1, 1, 1); UPDATE other SET v = 2; DELETE FROM other; ALTER TABLE other ADD COLUMN w INT; CREATE TABLE other2 (id INT PRIMARY KEY); DROP TABLE other2',
    )
    expect(event).toEqual([])
    expect(source.stats().transactions).toBe(before + 1) // the marker only
  })
})

describe('G-BINLOG-FRESH: statements on the table invalidate everything', () => {
  beforeEach(async () => {
    await delivered(source, await rig.write(
      "INSERT IGNORE INTO contacts (tenant_id, id, type, created_at, updated_at) VALUES (1, 1, 'person', NOW(), NOW()), (1, 2, 'person', NOW(), NOW())",
    ))
  })

  it.each([
    ['TRUNCATE', 'TRUNCATE TABLE contacts'],
    ['ALTER', 'ALTER TABLE contacts ADD COLUMN extra INT NULL'],
    ['DROP and CREATE', 'CREATE TABLE contacts_copy LIKE contacts; DROP TABLE contacts_copy'],
    ['RENAME', 'RENAME TABLE contacts TO contacts_moved; RENAME TABLE contacts_moved TO contacts'],
    ['statement-format DML', "SET SESSION binlog_format = 'STATEMENT'; UPDATE contacts SET first_name = 'stmt' WHERE id = 1; SET SESSION binlog_format = 'ROW'"],
  ])('%s', async (_name, sql) => {
    const { event, visible } = await changesOf(sql)
    expect(event).toContainEqual({ kind: 'all' })
    expect(visible).toContainEqual({ kind: 'all' })
  })

  it('a table map without tenant_id (renamed column): the row events of that table invalidate everything', async () => {
    await delivered(source, await rig.write('ALTER TABLE contacts RENAME COLUMN tenant_id TO owner_id'))
    try {
      invalidations.events.length = 0
      await delivered(source, await rig.write("UPDATE contacts SET first_name = 'z' WHERE id = 2"))
      expect(invalidations.events.filter((e) => e.source === source.id && e.phase === 'event').map((e) => e.message)).toEqual([{ kind: 'all' }])
    } finally {
      await delivered(source, await rig.write('ALTER TABLE contacts RENAME COLUMN owner_id TO tenant_id'))
    }
    expect((await changesOf("UPDATE contacts SET first_name = 'z2' WHERE id = 2")).event).toEqual([ids(1, 2)])
  })

  it('an XA transaction: nothing at XA PREPARE, everything at XA COMMIT', async () => {
    invalidations.events.length = 0
    await rig.writer.query("XA START 'x1'; UPDATE contacts SET first_name = 'xa' WHERE id = 2; XA END 'x1'; XA PREPARE 'x1'")
    // The writer's connection can run nothing but XA COMMIT now: ask the server for the position.
    const [rows] = await rig.admin.query<RowDataPacket[]>('SELECT @@gtid_binlog_pos AS gtid')
    await delivered(source, String(rows[0]?.gtid))
    expect(invalidations.events.filter((e) => e.source === source.id)).toEqual([])
    const { event } = await changesOf("XA COMMIT 'x1'")
    expect(event).toEqual([{ kind: 'all' }])
  })
})

describe('G-BINLOG-FRESH: the source as the bus of a repository in the same process', () => {
  it('invalidates the repository on a foreign write, and tells it its health', async () => {
    const db = rig.database()
    const own = createBinlogInvalidationSource({ connection: rig.tailer, serverId: 4712, checkpoint: memoryCheckpointStore() })
    const repository = new ContactRepository({ db, bus: own, ttl: 60_000 })
    expect(repository.stats().trusted).toBe(false) // not streaming yet
    await own.start()
    expect(repository.stats().trusted).toBe(true)
    await rig.write("UPDATE contacts SET first_name = 'before' WHERE id = 1")
    const first = await repository.getMany(1, [1])
    expect(first.rows[0]?.firstName).toBe('before')
    const gtid = await rig.write("UPDATE contacts SET first_name = 'after' WHERE id = 1")
    await delivered(own, gtid)
    expect((await repository.getMany(1, [1])).rows[0]?.firstName).toBe('after')
    await own.close()
    expect(repository.stats().trusted).toBe(false)
    await repository.close()
    await eventually('closed', () => own.stats().state === 'closed')
  })
})
