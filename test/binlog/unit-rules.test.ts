// The binlog source's pure units rule by rule, without a server: each test pins one rule of the
// change set, the delivery ledger, the deadline or the transaction tracker (the mutation run's
// survivors, docs/mutation-testing.md). units.test.ts holds the broader scenarios.
import type { AnyBinlogEvent } from '@vlasky/zongji'
import type { Connection } from 'mysql2/promise'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resolveSourceOptions } from '../../src/binlog/binlog-invalidation-source-options.js'
import { createBinlogInvalidationSource } from '../../src/binlog/index.js'
import type { BinlogPosition } from '../../src/binlog/binlog-position.js'
import { endsStream } from '../../src/binlog/binlog-stream.js'
import { binlogGtidPosition, consistentPosition, snapshotPosition } from '../../src/binlog/server-checks.js'
import { ChangeSet, type FullInvalidationReason } from '../../src/binlog/change-set.js'
import { memoryCheckpointStore, parseCheckpoint, redisCheckpointStore, serializeCheckpoint } from '../../src/binlog/checkpoint-store.js'
import { withDeadline } from '../../src/binlog/deadline.js'
import { DeliveryLedger } from '../../src/binlog/delivery-ledger.js'
import { BinlogConnectionError, BinlogSourceError } from '../../src/binlog/errors.js'
import { classifyStatement, mayChangeTable } from '../../src/binlog/statements.js'
import { TransactionTracker } from '../../src/binlog/transaction-tracker.js'
import type { InvalidationMessage } from '../../src/index.js'
import { expectErrorAsData } from '../helpers/error-as-data.js'
import { CONTACTS_TABLE as TABLE, gtidEvent as gtid, syntheticEvent as event, tableMapEvent as tableMap } from './helpers/synthetic-events.js'

describe('ChangeSet, rule by rule', () => {
  it('widens a tenant only past maxIdsPerTenant IDs, not at it', () => {
    const set = new ChangeSet(2, 10)
    set.add(1, 10)
    set.add(1, 11)
    expect(set.messages()).toEqual([{ kind: 'ids', tenantId: 1, ids: [10, 11] }])
    expect(set.widened).toBe(0)
    set.add(1, 12)
    expect(set.messages()).toEqual([{ kind: 'tenant', tenantId: 1 }])
    expect(set.widened).toBe(1)
  })

  it('keeps the first reason for everything', () => {
    const set = new ChangeSet(2, 10)
    expect(set.empty).toBe(true)
    set.addAll('statement')
    set.addAll('gap')
    expect(set.all).toBe('statement')
    expect(set.empty).toBe(false)
    expect(set.messages()).toEqual([{ kind: 'all' }])
  })

  it('once everything, counts no further widening: added rows and tenants change nothing', () => {
    const set = new ChangeSet(1, 1)
    set.addAll('statement')
    set.add(1, 10)
    set.add(1, 11) // would widen tenant 1
    set.addTenant(2)
    set.addTenant(3) // would exceed maxTenants
    expect(set.widened).toBe(0)
    expect(set.all).toBe('statement')
  })

  it('a whole tenant takes one of maxTenants: the next tenant widens to everything', () => {
    const set = new ChangeSet(10, 1)
    set.addTenant(1)
    expect(set.messages()).toEqual([{ kind: 'tenant', tenantId: 1 }])
    set.addTenant(2)
    expect(set.all).toBe('too-many-tenants')
    expect(set.widened).toBe(1)
  })

  it('a tenant already held is widened in place, without counting against maxTenants', () => {
    const set = new ChangeSet(10, 1)
    set.add(1, 5)
    set.addTenant(1)
    expect(set.all).toBeUndefined()
    expect(set.widened).toBe(0)
    expect(set.messages()).toEqual([{ kind: 'tenant', tenantId: 1 }])
  })

  it('a row of a whole tenant adds nothing', () => {
    const set = new ChangeSet(10, 10)
    set.addTenant(1)
    set.add(1, 5)
    expect(set.messages()).toEqual([{ kind: 'tenant', tenantId: 1 }])
  })

  it.each<FullInvalidationReason>(['statement', 'gap'])('merging a set that is everything (%s) takes its reason', (reason) => {
    const set = new ChangeSet(10, 10)
    set.add(1, 5)
    const other = new ChangeSet(10, 10)
    other.addAll(reason)
    set.merge(other)
    expect(set.all).toBe(reason)
    expect(set.messages()).toEqual([{ kind: 'all' }])
  })
})

describe('DeliveryLedger, rule by rule', () => {
  const at = (n: number): BinlogPosition => ({ gtid: `0-1-${n}`, file: 'b.000001', position: n })

  it('delivers a position with nothing outstanding at once when nothing before it is pending', () => {
    const ledger = new DeliveryLedger(undefined)
    expect(ledger.delivered).toBeUndefined()
    const entry = ledger.record(at(1), 0)
    expect(entry).toEqual({ position: at(1), outstanding: 0 })
    expect(ledger.delivered).toEqual(at(1))
    expect(ledger.pending).toBe(0)
  })

  it('counts what is pending, and a position behind a pending one waits even with nothing outstanding', () => {
    const ledger = new DeliveryLedger(at(0))
    const one = ledger.record(at(1), 1)
    ledger.record(at(2), 0)
    ledger.record(at(3), 0)
    expect(ledger.pending).toBe(3)
    expect(ledger.delivered).toEqual(at(0))
    ledger.settle(one)
    expect(ledger.pending).toBe(0)
    expect(ledger.delivered).toEqual(at(3))
  })

  it('hold adds a delivery to wait for', () => {
    const ledger = new DeliveryLedger(at(0))
    const one = ledger.record(at(1), 1)
    ledger.hold(one)
    expect(one.outstanding).toBe(2)
    ledger.settle(one)
    expect(ledger.delivered).toEqual(at(0))
    ledger.settle(one)
    expect(ledger.delivered).toEqual(at(1))
  })

  it('keeps delivering after it was drained, in order, over many positions', () => {
    const ledger = new DeliveryLedger(at(0))
    for (let round = 0; round < 3; round++) {
      const base = round * 3000
      const entries = Array.from({ length: 3000 }, (_, i) => ledger.record(at(base + i + 1), 1))
      expect(ledger.pending).toBe(3000)
      // Settled newest first: nothing is delivered until the oldest is.
      for (let i = entries.length - 1; i > 0; i--) ledger.settle(entries[i]!)
      expect(ledger.delivered).toEqual(at(base))
      ledger.settle(entries[0]!)
      expect(ledger.delivered).toEqual(at(base + 3000))
      expect(ledger.pending).toBe(0)
      // A drained ledger takes the next position as the first of a new queue.
      ledger.record(at(base + 3000), 0)
      expect(ledger.delivered).toEqual(at(base + 3000))
    }
  })
})

describe('withDeadline (fake timers)', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('settles with the promise before the deadline and leaves no timer', async () => {
    await expect(withDeadline(Promise.resolve(7), 50, 'connecting')).resolves.toBe(7)
    expect(vi.getTimerCount()).toBe(0)
    const denied = new Error('denied')
    await expect(withDeadline(Promise.reject(denied), 50, 'connecting')).rejects.toBe(denied)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects with a transient BinlogConnectionError naming the wait once the deadline passed', async () => {
    const outcome = withDeadline(new Promise<never>(() => {}), 50, 'loading the checkpoint').catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(49)
    let settled = false
    void outcome.then(() => { settled = true })
    await Promise.resolve()
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expectErrorAsData(await outcome, BinlogSourceError, {
      name: 'BinlogConnectionError',
      code: 'ERR_BINLOG_CONNECTION',
      message: 'The server did not answer within 50 ms while loading the checkpoint',
      transient: true,
      fields: {},
    })
    expect(await outcome).toBeInstanceOf(BinlogConnectionError)
  })
})

describe('TransactionTracker, rule by rule (synthetic events)', () => {
  const rows = (tableId: number, ...data: object[]): AnyBinlogEvent => event('writerows', { tableId, rows: data })
  const query = (text: string, nextPosition = 0): AnyBinlogEvent => event('query', { query: text, nextPosition })
  const xid = (nextPosition: number): AnyBinlogEvent => event('xid', { nextPosition })
  const heartbeat = (nextPosition: number, binlogName = 'b.000001'): AnyBinlogEvent => event('heartbeat', { nextPosition, binlogName })

  interface Group { messages: InvalidationMessage[] | undefined; all: FullInvalidationReason | undefined; position: BinlogPosition }

  function track(): { tracker: TransactionTracker; groups: Group[]; heartbeats: BinlogPosition[] } {
    const groups: Group[] = []
    const heartbeats: BinlogPosition[] = []
    const tracker = new TransactionTracker(
      { gtid: '0-1-10', file: 'b.000001', position: 100 },
      { schema: 'app', table: 'contacts', maxIdsPerTenant: 100, maxTenantsPerTransaction: 100 },
      {
        groupEnd: (changes, position) => groups.push({ messages: changes?.messages(), all: changes?.all, position }),
        heartbeat: (position) => heartbeats.push(position),
      },
    )
    return { tracker, groups, heartbeats }
  }

  it('a GTID while a group is open ends that group first, keeping the last known offset', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(tableMap())
    tracker.handle(rows(7, { id: 1, tenant_id: 2 }))
    tracker.handle(gtid(12))
    expect(groups).toEqual([{ messages: [{ kind: 'ids', tenantId: 2, ids: [1] }], all: undefined, position: { gtid: '0-1-11', file: 'b.000001', position: 100 } }])
  })

  it('a statement inside a transaction does not end it; the transaction ends at COMMIT', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(query('UPDATE contacts SET first_name = 1', 300))
    expect(groups).toEqual([])
    tracker.handle(query('COMMIT', 350))
    expect(groups).toEqual([{ messages: [{ kind: 'all' }], all: 'statement', position: { gtid: '0-1-11', file: 'b.000001', position: 350 } }])
  })

  it('without a GTID, a statement is its own group, and BEGIN opens a transaction until COMMIT', () => {
    const { tracker, groups } = track()
    tracker.handle(query('CREATE TABLE t (id INT)', 200))
    expect(groups).toEqual([{ messages: undefined, all: undefined, position: { gtid: '0-1-10', file: 'b.000001', position: 200 } }])
    tracker.handle(query('BEGIN', 210))
    tracker.handle(query('DELETE FROM contacts', 220))
    expect(groups).toHaveLength(1)
    tracker.handle(query('COMMIT', 230))
    expect(groups[1]).toEqual({ messages: [{ kind: 'all' }], all: 'statement', position: { gtid: '0-1-10', file: 'b.000001', position: 230 } })
  })

  it('BEGIN or rows without a GTID open a group: a heartbeat inside it is not counted', () => {
    const { tracker, heartbeats } = track()
    tracker.handle(query('BEGIN', 200))
    tracker.handle(heartbeat(210))
    expect(heartbeats).toEqual([])
    tracker.handle(query('COMMIT', 220))
    tracker.handle(tableMap())
    tracker.handle(rows(7, { id: 1, tenant_id: 2 }))
    tracker.handle(heartbeat(230))
    expect(heartbeats).toEqual([])
  })

  it('after a transaction ended, the next statement outside one ends at once', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(xid(200))
    tracker.handle(query('CREATE TABLE t (id INT)', 250))
    expect(groups.map((group) => group.position.position)).toEqual([200, 250])
  })

  it('savepoints neither open nor end a group', () => {
    const { tracker, groups, heartbeats } = track()
    tracker.handle(query('SAVEPOINT a', 200))
    tracker.handle(heartbeat(210))
    expect(groups).toEqual([])
    expect(heartbeats).toHaveLength(1)
    tracker.handle(gtid(11))
    tracker.handle(query('SAVEPOINT a', 220))
    tracker.handle(query('ROLLBACK TO a', 230))
    expect(groups).toEqual([])
  })

  it('XA PREPARE ends its group with nothing visible; XA COMMIT invalidates everything; XA ROLLBACK nothing', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(tableMap())
    tracker.handle(rows(7, { id: 1, tenant_id: 2 }))
    tracker.handle(event('xaprepare', { nextPosition: 300 }))
    tracker.handle(gtid(12, { standalone: true }))
    tracker.handle(query("XA COMMIT X'01'", 350))
    tracker.handle(gtid(13, { standalone: true }))
    tracker.handle(query("XA ROLLBACK X'02'", 400))
    expect(groups.map((group) => [group.all, group.messages, group.position.gtid, group.position.position])).toEqual([
      [undefined, undefined, '0-1-11', 300],
      ['xa-commit', [{ kind: 'all' }], '0-1-12', 350],
      [undefined, undefined, '0-1-13', 400],
    ])
  })

  it('rows of a table ID with no table map, or whose map is of another table, change nothing and open no group', () => {
    const { tracker, groups, heartbeats } = track()
    tracker.handle(rows(8, { id: 1, tenant_id: 2 }))
    tracker.handle(heartbeat(150))
    expect(heartbeats).toHaveLength(1)
    tracker.handle(gtid(11))
    tracker.handle(tableMap({ ...TABLE, tableName: 'contacts_archive' }, 8))
    tracker.handle(tableMap({ ...TABLE, parentSchema: 'other' }, 9))
    tracker.handle(tableMap(null, 10))
    tracker.handle(rows(8, { id: 1, tenant_id: 2 }))
    tracker.handle(rows(9, { id: 1, tenant_id: 2 }))
    tracker.handle(rows(10, { id: 1, tenant_id: 2 }))
    tracker.handle(xid(200))
    expect(groups.map((group) => group.messages)).toEqual([undefined])
  })

  it('a table ID mapped again to another table is no longer the table', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(tableMap())
    tracker.handle(xid(200))
    tracker.handle(gtid(12))
    tracker.handle(tableMap({ ...TABLE, tableName: 'orders' }))
    tracker.handle(rows(7, { id: 1, tenant_id: 2 }))
    tracker.handle(xid(250))
    expect(groups.map((group) => group.messages)).toEqual([undefined, undefined])
  })

  it.each([
    ['id', [{ COLUMN_NAME: 'tenant_id' }]],
    ['tenant_id', [{ COLUMN_NAME: 'id' }]],
  ])('rows of the table whose map lacks %s invalidate everything', (_, columnSchemas) => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(tableMap({ ...TABLE, columnSchemas }))
    tracker.handle(xid(150))
    tracker.handle(gtid(12))
    tracker.handle(rows(7, { id: 1, tenant_id: 2 }))
    tracker.handle(xid(200))
    expect(groups.map((group) => group.all)).toEqual([undefined, 'table-map'])
  })

  it.each([
    ['a negative ID', { id: -1, tenant_id: 2 }],
    ['a fractional ID', { id: 1.5, tenant_id: 2 }],
    ['a tenant past 2^53', { id: 1, tenant_id: '9007199254740993' }],
    ['a tenant 0', { id: 1, tenant_id: 0 }],
  ])('skips %s: no repository can have cached it', (_, row) => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(tableMap())
    tracker.handle(rows(7, row, { id: Number.MAX_SAFE_INTEGER, tenant_id: 3 }))
    tracker.handle(xid(200))
    expect(groups[0]?.messages).toEqual([{ kind: 'ids', tenantId: 3, ids: [Number.MAX_SAFE_INTEGER] }])
  })

  it.each(['partialupdaterows', 'unknown'])('a %s event makes its group everything', (name) => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(event(name))
    tracker.handle(xid(200))
    expect(groups[0]?.all).toBe('unsupported-event')
  })

  it('other event types neither open nor end a group', () => {
    const { tracker, groups, heartbeats } = track()
    tracker.handle(event('format', { nextPosition: 120 }))
    tracker.handle(event('intvar', { nextPosition: 130 }))
    tracker.handle(heartbeat(140))
    expect(groups).toEqual([])
    expect(heartbeats).toHaveLength(1)
  })

  it('a heartbeat without an offset keeps the last one; a rotation between groups forgets it', () => {
    const { tracker, heartbeats } = track()
    tracker.handle(heartbeat(0, 'b.000009'))
    expect(heartbeats[0]).toEqual({ gtid: '0-1-10', file: 'b.000001', position: 100 })
    tracker.handle(event('rotate', { binlogName: 'b.000002', position: 4 }))
    expect(tracker.position()).toEqual({ gtid: '0-1-10', file: 'b.000002', position: undefined })
    tracker.handle(heartbeat(500, 'b.000002'))
    expect(heartbeats[1]).toEqual({ gtid: '0-1-10', file: 'b.000002', position: 500 })
  })

  it('a rotation inside a group keeps the offset until the group ends', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(event('rotate', { binlogName: 'b.000002', position: 4 }))
    expect(tracker.position()).toEqual({ gtid: '0-1-10', file: 'b.000002', position: 100 })
    tracker.handle(xid(300))
    expect(groups[0]?.position).toEqual({ gtid: '0-1-11', file: 'b.000002', position: 300 })
  })

  it('covers an empty position at once, and a position of several domains only once every domain is covered', () => {
    const { tracker } = track()
    expect(tracker.covers('')).toBe(true)
    expect(tracker.covers('0-1-10,1-1-5')).toBe(false)
    tracker.handle(gtid(5, { domainId: 1 }))
    tracker.handle(xid(200))
    expect(tracker.covers('0-1-10,1-1-5')).toBe(true)
    expect(tracker.covers('0-1-10,1-1-6')).toBe(false)
  })
})

describe('resolveSourceOptions, rule by rule', () => {
  const valid = { connection: 'mysql://u@127.0.0.1:3306/app', serverId: 7 }
  const CONNECTION = 'options.connection must be a mysql:// URL or mysql2 connection options'
  const NO_SCHEMA = "options.table must name the schema ('schema.table') when options.connection names no database"
  const evalOnly = { eval: (): undefined => undefined }

  it.each([
    ['no options', null, 'options must be an object with `connection` and `serverId`'],
    ['an unknown option', { ...valid, stalTimeout: 1 }, 'options.stalTimeout is not an option of createBinlogInvalidationSource'],
    ['a connection that is no URL', { ...valid, connection: 'not a url' }, CONNECTION],
    ['a URL of another protocol', { ...valid, connection: 'http://h/app' }, CONNECTION],
    ['a number as connection', { ...valid, connection: 42 }, CONNECTION],
    ['null as connection', { ...valid, connection: null }, CONNECTION],
    ['an array as connection', { ...valid, connection: [] }, CONNECTION],
    ['a server ID past 2^32 - 1', { ...valid, serverId: 2 ** 32 }, 'options.serverId must be an integer from 1 to 4294967295; got 4294967296'],
    ['a fractional server ID', { ...valid, serverId: 1.5 }, 'options.serverId must be an integer from 1 to 4294967295; got 1.5'],
    ['a server ID 0', { ...valid, serverId: 0 }, 'options.serverId must be an integer from 1 to 4294967295; got 0'],
    ['a stall timeout equal to the heartbeat', { ...valid, stallTimeout: 500 }, 'options.stallTimeout must exceed options.heartbeatInterval (500); got 500'],
    ['a maximum lag equal to the heartbeat', { ...valid, maxLag: 500 }, 'options.maxLag must exceed options.heartbeatInterval (500); got 500'],
    ['a target missing a method', { ...valid, target: { invalidate() {}, invalidateTenant() {} } }, 'options.target must have invalidate(), invalidateTenant() and invalidateAll() methods'],
    ['an announcer that is no bus', { ...valid, announce: {} }, 'options.announce must have an announceSourceStatus() method (a Redis invalidation bus)'],
    ['a checkpoint store without save', { ...valid, checkpoint: { load() {} } }, 'options.checkpoint must have load() and save() methods'],
    ['a restart delay past a twentieth of the longest timer', { ...valid, restartDelay: 107_374_183 }, 'options.restartDelay must be an integer from 1 to 107374182; got 107374183'],
    ['a table that is not a string', { ...valid, table: 5 }, 'options.table must be a string; got 5'],
    ['a table in a URL without a database', { connection: 'mysql://u@h/', serverId: 1 }, NO_SCHEMA],
    ['a table with options naming an empty database', { connection: { host: 'h', database: '' }, serverId: 1 }, NO_SCHEMA],
    ['a table with options naming no database', { connection: { host: 'h' }, serverId: 1 }, NO_SCHEMA],
    ['a table with options whose database is not a string', { connection: { host: 'h', database: 5 }, serverId: 1 }, NO_SCHEMA],
    ['a lease that is not an object', { ...valid, lease: null }, 'options.lease must be an object with `redis` and `key`'],
    ['an unknown lease option', { ...valid, lease: { redis: evalOnly, key: 'k', tll: 1 } }, 'options.lease.tll is not an option of the lease'],
    ['a lease without a connection', { ...valid, lease: { redis: {}, key: 'k' } }, 'options.lease.redis must be an ioredis connection'],
    ['a lease key that is not a string', { ...valid, lease: { redis: evalOnly, key: 5 } }, 'options.lease.key must be a non-empty string'],
    ['an empty lease key', { ...valid, lease: { redis: evalOnly, key: '' } }, 'options.lease.key must be a non-empty string'],
  ])('refuses %s', (_, options, message) => {
    expect(() => resolveSourceOptions(options as never)).toThrow(new TypeError(message))
  })

  it('takes the URL as given, with the connect timeout, and its database as the schema', () => {
    const resolved = resolveSourceOptions({ connection: 'mariadb://u@h:3307/crm', serverId: 2 ** 32 - 1, connectTimeout: 900 })
    expect(resolved.connection).toEqual({ uri: 'mariadb://u@h:3307/crm', connectTimeout: 900 })
    expect(resolved).toMatchObject({ serverId: 2 ** 32 - 1, schema: 'crm', table: 'contacts', restartDelay: 250 })
  })

  it('takes mysql2 options with the connect timeout, their database as the schema unless the table names one', () => {
    const resolved = resolveSourceOptions({ connection: { host: 'h', database: 'crm' }, serverId: 1, restartDelay: 107_374_182 })
    expect(resolved.connection).toEqual({ connectTimeout: 5_000, host: 'h', database: 'crm' })
    expect(resolved).toMatchObject({ schema: 'crm', table: 'contacts', restartDelay: 107_374_182 })
    expect(resolveSourceOptions({ connection: { host: 'h' }, serverId: 1, table: 'app.people' })).toMatchObject({ schema: 'app', table: 'people' })
  })
})

describe('checkpoints, rule by rule', () => {
  const checkpoint = { gtid: '0-1-12', file: 'b.000001', position: 4, serverId: 7 }

  it('the memory store accepts a save with the same fencing token as the last', async () => {
    const store = memoryCheckpointStore()
    expect(await store.save(checkpoint, 3)).toBe(true)
    expect(await store.save({ ...checkpoint, gtid: '0-1-13' }, 3)).toBe(true)
    expect(await store.load()).toEqual({ ...checkpoint, gtid: '0-1-13' })
  })

  it.each(['', '0-1-12', '10-200-3000', '0-1-5,1-22-30', '0-1-5,12-2-3', '0-1-5,1-2-3,2-3-4'])('round-trips the GTID position %j', (gtid) => {
    expect(parseCheckpoint(serializeCheckpoint({ ...checkpoint, gtid }))).toEqual({ ...checkpoint, gtid })
  })

  it('round-trips a checkpoint without a file position', () => {
    const bare = { gtid: '0-1-12', file: undefined, position: undefined, serverId: 7 }
    expect(parseCheckpoint(serializeCheckpoint(bare))).toEqual(bare)
  })

  it.each([
    ['null', 'null'],
    ['a number', '5'],
    ['not JSON', '{"v":1,'],
    ['another version', JSON.stringify({ v: 2, gtid: '0-1-1', file: null, position: null, serverId: 1 })],
    ['a GTID that is not a position', JSON.stringify({ v: 1, gtid: '0-1', file: null, position: null, serverId: 1 })],
    ['a GTID list ending in a comma', JSON.stringify({ v: 1, gtid: '0-1-1,', file: null, position: null, serverId: 1 })],
    ['a file that is a number', JSON.stringify({ v: 1, gtid: '0-1-1', file: 5, position: null, serverId: 1 })],
    ['a fractional position', JSON.stringify({ v: 1, gtid: '0-1-1', file: 'b.1', position: 1.5, serverId: 1 })],
    ['no server ID', JSON.stringify({ v: 1, gtid: '0-1-1', file: null, position: null })],
  ])('reads %s as no checkpoint', (_, text) => {
    expect(parseCheckpoint(text)).toBeUndefined()
  })

  it('a store that never answers the load fails start() after connectTimeout, saying what it waited for', async () => {
    const source = createBinlogInvalidationSource({
      connection: 'mysql://root@127.0.0.1:9/app',
      serverId: 99,
      connectTimeout: 30,
      checkpoint: { load: () => new Promise(() => undefined), save: () => Promise.resolve(true) },
    })
    const failure = await source.start().then(() => undefined, (error: unknown) => error)
    expect(failure).toEqual(new BinlogConnectionError('The server did not answer within 30 ms while loading the checkpoint'))
    await source.close()
  })
})

describe('redisCheckpointStore options', () => {
  const redis = { eval() {}, hget() {} }
  it.each([
    ['no options', null, 'options must be an object with `redis` and `key`'],
    ['a connection without hget', { redis: { eval() {} }, key: 'k' }, 'options.redis must have eval() and hget() methods (an ioredis connection)'],
    ['an unknown option', { redis, key: 'k', ttl: 1 }, 'options.ttl is not an option of redisCheckpointStore'],
    ['no key', { redis }, 'options.key must be a non-empty string; got undefined'],
  ])('refuses %s', (_, options, message) => {
    expect(() => redisCheckpointStore(options as never)).toThrow(new TypeError(message))
  })
})

describe('endsStream: which errors of zongji end the stream', () => {
  // mysql2 gives a server error an errno and, when it knows the number, a code; its connection
  // errors are fatal. Anything else is one event that could not be decoded.
  it.each([
    ['a fatal driver error', Object.assign(new Error('Connection lost'), { fatal: true }), true],
    ['a server error with its code', Object.assign(new Error('x'), { code: 'ER_MASTER_FATAL_ERROR_READING_BINLOG', errno: 1236 }), true],
    ['a server error with a number mysql2 has no code for', Object.assign(new Error('x'), { errno: 4242 }), true],
    ['a driver error with a code only', Object.assign(new Error('x'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }), true],
    ["zongji's halt without its control connection", new Error('Control connection unavailable: reason'), true],
    ["zongji's halt without the rights to read table metadata", new Error('Insufficient permissions to access: app.contacts'), true],
    ['a decoding error of one event', new Error('Unsupported type "geometry"'), false],
    ['a message that only mentions a halt', new Error('Decoding failed: Insufficient permissions later'), false],
    ['fatal: false, with nothing else', Object.assign(new Error('x'), { fatal: false }), false],
  ])('%s', (_what, error, ends) => {
    expect(endsStream(error)).toBe(ends)
  })
})

describe('server answers the position reads refuse (a fake connection)', () => {
  // MariaDB always answers these; a proxy, another server or a future version might not, and
  // a position made up of nothing must not be streamed from.
  const answering = (answers: Record<string, unknown[]>): Connection => ({
    query: (sql: string) => Promise.resolve([Object.entries(answers).find(([start]) => sql.startsWith(start))?.[1] ?? []]),
  }) as unknown as Connection
  const snapshot = [{ Variable_name: 'Binlog_snapshot_file', Value: 'binlog.000002' }, { Variable_name: 'Binlog_snapshot_position', Value: '339' }]

  it('no snapshot position, or one that is not a whole number', async () => {
    for (const rows of [[], snapshot.slice(0, 1), [snapshot[0], { Variable_name: 'Binlog_snapshot_position', Value: 'x' }]]) {
      await expect(snapshotPosition(answering({ SHOW: rows }))).rejects.toThrow(
        new BinlogConnectionError('The server reported no binlog snapshot position'),
      )
    }
    await expect(snapshotPosition(answering({ SHOW: snapshot }))).resolves.toEqual({ file: 'binlog.000002', position: 339 })
  })

  it('no GTID position at the snapshot', async () => {
    await expect(consistentPosition(answering({ SHOW: snapshot, 'SELECT BINLOG_GTID_POS': [{ gtid: null }] }))).rejects.toThrow(
      new BinlogConnectionError('The server gave no GTID position for binlog.000002:339'),
    )
    await expect(consistentPosition(answering({ SHOW: snapshot, 'SELECT BINLOG_GTID_POS': [{ gtid: ' 0-1-6 ' }] }))).resolves.toEqual({
      gtid: '0-1-6', file: 'binlog.000002', position: 339,
    })
  })

  it("the server's GTID position, empty when it has none", async () => {
    await expect(binlogGtidPosition(answering({ SELECT: [{}] }))).resolves.toBe('')
    await expect(binlogGtidPosition(answering({ SELECT: [{ gtid: '1-1-2,0-1-6' }] }))).resolves.toBe('0-1-6,1-1-2')
  })
})

describe('mayChangeTable', () => {
  it.each([
    ['DROP  DATABASE app', true], // any blanks between the words
    ['drop schema `app`', true],
    ['DROP DATABASE other', false],
    ['CREATE TABLE t (id INT)', false],
    ['ALTER TABLE CONTACTS ADD x INT', true],
  ])('%j: %s', (text, expected) => {
    expect(mayChangeTable(text, 'app', 'contacts')).toBe(expected)
  })
})

describe('classifyStatement, rule by rule', () => {
  it.each([
    ['START TRANSACTION', 'begin'],
    ['START SLAVE', 'other'],
    ['RELEASE SAVEPOINT a', 'ignore'],
    ['RELEASE_LOCK', 'other'],
    ['ROLLBACK', 'rollback'],
    ['ROLLBACK TO SAVEPOINT a', 'ignore'],
    ['XA START X\'01\'', 'ignore'],
    ['/* app */ -- note\n# more\n  begin', 'begin'],
    ['42', 'other'],
  ])('%j is %s', (text, kind) => {
    expect(classifyStatement(text)).toBe(kind)
  })
})
