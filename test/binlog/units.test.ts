// The pure parts of the binlog source, without a server: coalescing and widening, statement
// classification, positions, checkpoints, the delivery ledger, the transaction tracker on
// synthetic events, option checks, and the Redis bus's source-status format and trust rule.
import type { AnyBinlogEvent } from '@vlasky/zongji'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { InvalidationMessage } from '../../src/index.js'
import { createBinlogInvalidationSource, memoryCheckpointStore } from '../../src/binlog/index.js'
import { compareFilePositions, type BinlogPosition } from '../../src/binlog/binlog-position.js'
import { BinlogConnectionError, BinlogPrivilegeError, BinlogSourceClosedError, BinlogSourceError, BinlogUnsafeServerError } from '../../src/binlog/errors.js'
import { ChangeSet } from '../../src/binlog/change-set.js'
import { parseCheckpoint, serializeCheckpoint } from '../../src/binlog/checkpoint-store.js'
import { DeliveryLedger } from '../../src/binlog/delivery-ledger.js'
import { classifyStatement, mayChangeTable } from '../../src/binlog/statements.js'
import { TransactionTracker } from '../../src/binlog/transaction-tracker.js'
import { decodeSourceStatus, encodeSourceStatus } from '../../src/redis/message-format.js'
import { SourceTrust, type SourceDistrustReason } from '../../src/redis/source-trust.js'
import { expectErrorAsData } from '../helpers/error-as-data.js'
import { gtidEvent as gtid, syntheticEvent as event, tableMapEvent } from './helpers/synthetic-events.js'

describe('G-BINLOG-FRESH: ChangeSet', () => {
  it('coalesces per tenant and keeps IDs once', () => {
    const set = new ChangeSet(10, 10)
    set.add(1, 5)
    set.add(1, 5)
    set.add(1, 6)
    set.add(2, 5)
    expect(set.messages()).toEqual([{ kind: 'ids', tenantId: 1, ids: [5, 6] }, { kind: 'ids', tenantId: 2, ids: [5] }])
    expect(set.widened).toBe(0)
  })

  it('widens IDs to the tenant past maxIdsPerTenant, tenants to everything past maxTenants', () => {
    const set = new ChangeSet(2, 2)
    set.add(1, 1)
    set.add(1, 2)
    set.add(1, 3)
    expect(set.messages()).toEqual([{ kind: 'tenant', tenantId: 1 }])
    set.add(2, 1)
    set.add(3, 1)
    expect(set.messages()).toEqual([{ kind: 'all' }])
    expect(set.all).toBe('too-many-tenants')
    expect(set.widened).toBe(2)
  })

  it('merges, keeping the widest form', () => {
    const a = new ChangeSet(3, 5)
    a.add(1, 1)
    const b = new ChangeSet(3, 5)
    b.addTenant(1)
    b.add(2, 7)
    a.merge(b)
    expect(a.messages()).toEqual([{ kind: 'tenant', tenantId: 1 }, { kind: 'ids', tenantId: 2, ids: [7] }])
    const c = new ChangeSet(3, 5)
    c.addAll('statement')
    a.merge(c)
    expect(a.messages()).toEqual([{ kind: 'all' }])
    expect(a.all).toBe('statement')
  })
})

describe('G-BINLOG-FRESH: statements', () => {
  it('tells transaction control from everything else', () => {
    expect(classifyStatement('BEGIN')).toBe('begin')
    expect(classifyStatement('  /* app */ START TRANSACTION')).toBe('begin')
    expect(classifyStatement('COMMIT')).toBe('commit')
    expect(classifyStatement('ROLLBACK')).toBe('rollback')
    expect(classifyStatement('ROLLBACK TO SAVEPOINT a')).toBe('ignore')
    expect(classifyStatement('SAVEPOINT a')).toBe('ignore')
    expect(classifyStatement("XA COMMIT X'7831',X'',1")).toBe('xa-commit')
    expect(classifyStatement("XA ROLLBACK 'x'")).toBe('xa-rollback')
    expect(classifyStatement("XA START 'x'")).toBe('ignore')
    expect(classifyStatement('-- note\nTRUNCATE contacts')).toBe('other')
    expect(classifyStatement('')).toBe('other')
  })

  it('errs on the side of the table', () => {
    expect(mayChangeTable('TRUNCATE `Contacts`', 'app', 'contacts')).toBe(true)
    expect(mayChangeTable('ALTER TABLE contacts_archive ADD x INT', 'app', 'contacts')).toBe(true)
    expect(mayChangeTable('DROP DATABASE `app`', 'app', 'contacts')).toBe(true)
    expect(mayChangeTable('DROP DATABASE other', 'app', 'contacts')).toBe(false)
    expect(mayChangeTable('CREATE TABLE orders (id INT)', 'app', 'contacts')).toBe(false)
  })
})

describe('G-BINLOG-GAP: positions and checkpoints', () => {
  it('orders binlog files by their number, past six digits too', () => {
    expect(compareFilePositions({ file: 'b.000009', position: 900 }, { file: 'b.000010', position: 4 })).toBeLessThan(0)
    expect(compareFilePositions({ file: 'b.999999', position: 9 }, { file: 'b.1000000', position: 4 })).toBeLessThan(0)
    expect(compareFilePositions({ file: 'b.000010', position: 40 }, { file: 'b.000010', position: 4 })).toBeGreaterThan(0)
    expect(compareFilePositions({ file: 'b.000010', position: 4 }, { file: 'b.000010', position: 4 })).toBe(0)
  })

  it('round-trips a checkpoint and reads anything else as none', () => {
    const checkpoint = { gtid: '0-1-42,1-2-7', file: 'binlog.000003', position: 1234, serverId: 1 }
    expect(parseCheckpoint(serializeCheckpoint(checkpoint))).toEqual(checkpoint)
    expect(parseCheckpoint(serializeCheckpoint({ gtid: '', file: undefined, position: undefined, serverId: 1 })))
      .toEqual({ gtid: '', file: undefined, position: undefined, serverId: 1 })
    for (const bad of [null, '', 'x', '{}', '{"v":2,"gtid":"0-1-1","file":null,"position":null,"serverId":1}', '{"v":1,"gtid":"0-1-x","file":null,"position":null,"serverId":1}']) {
      expect(parseCheckpoint(bad)).toBeUndefined()
    }
  })

  it('the memory store refuses a lower fencing token', async () => {
    const store = memoryCheckpointStore()
    const a = { gtid: '0-1-1', file: undefined, position: undefined, serverId: 1 }
    expect(await store.save(a, 2)).toBe(true)
    expect(await store.save({ ...a, gtid: '0-1-2' }, 1)).toBe(false)
    expect(await store.load()).toEqual(a)
  })

  it('the ledger delivers positions in stream order only', () => {
    const at = (n: number): BinlogPosition => ({ gtid: `0-1-${n}`, file: 'b.000001', position: n })
    const ledger = new DeliveryLedger(at(0))
    const one = ledger.record(at(1), 2)
    ledger.record(at(2), 0)
    const three = ledger.record(at(3), 1)
    ledger.settle(three)
    expect(ledger.delivered).toEqual(at(0))
    ledger.settle(one)
    expect(ledger.delivered).toEqual(at(0))
    ledger.settle(one)
    expect(ledger.delivered).toEqual(at(3))
    expect(ledger.pending).toBe(0)
    ledger.record(at(4), 0)
    expect(ledger.delivered).toEqual(at(4))
  })
})

describe('TransactionTracker (synthetic events)', () => {
  const TABLE = { tableName: 'contacts', parentSchema: 'app', columnSchemas: [{ COLUMN_NAME: 'id' }, { COLUMN_NAME: 'tenant_id' }, { COLUMN_NAME: 'first_name' }] }
  const tableMap = (entry: object = TABLE): AnyBinlogEvent => tableMapEvent(entry)

  function track(): { tracker: TransactionTracker; groups: { messages: InvalidationMessage[] | undefined; gtid: string; position: number | undefined }[]; heartbeats: number[] } {
    const groups: { messages: InvalidationMessage[] | undefined; gtid: string; position: number | undefined }[] = []
    const heartbeats: number[] = []
    const tracker = new TransactionTracker(
      { gtid: '0-1-10', file: 'b.000001', position: 100 },
      { schema: 'app', table: 'contacts', maxIdsPerTenant: 100, maxTenantsPerTransaction: 100 },
      {
        groupEnd: (changes, position) => groups.push({ messages: changes?.messages(), gtid: position.gtid, position: position.position }),
        heartbeat: (position) => heartbeats.push(position.position ?? -1),
      },
    )
    return { tracker, groups, heartbeats }
  }

  it('reports each group at its end with the GTID position after it', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(tableMap())
    tracker.handle(event('updaterows', { tableId: 7, rows: [{ before: { id: 1, tenant_id: 5 }, after: { id: 1, tenant_id: 6 } }] }))
    tracker.handle(event('xid', { nextPosition: 200 }))
    tracker.handle(gtid(12))
    tracker.handle(event('xid', { nextPosition: 250 }))
    expect(groups).toEqual([
      { messages: [{ kind: 'ids', tenantId: 5, ids: [1] }, { kind: 'ids', tenantId: 6, ids: [1] }], gtid: '0-1-11', position: 200 },
      { messages: undefined, gtid: '0-1-12', position: 250 },
    ])
    expect(tracker.covers('0-1-12')).toBe(true)
    expect(tracker.covers('0-1-13')).toBe(false)
  })

  it('a standalone statement ends its group; one on the table invalidates everything', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11, { standalone: true }))
    tracker.handle(event('query', { query: 'ALTER TABLE contacts ADD x INT', nextPosition: 300 }))
    tracker.handle(gtid(12, { standalone: true }))
    tracker.handle(event('query', { query: 'CREATE TABLE t (id INT)', nextPosition: 350 }))
    expect(groups.map((g) => g.messages)).toEqual([[{ kind: 'all' }], undefined])
  })

  it('rows in a group that ends with ROLLBACK took effect (non-transactional table): delivered', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(tableMap())
    tracker.handle(event('writerows', { tableId: 7, rows: [{ id: 3, tenant_id: 4 }] }))
    tracker.handle(event('query', { query: 'ROLLBACK', nextPosition: 400 }))
    expect(groups[0]?.messages).toEqual([{ kind: 'ids', tenantId: 4, ids: [3] }])
  })

  it('an undecodable event or an unsupported type makes the group "everything"; uncacheable IDs are skipped', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.undecodable()
    tracker.handle(event('xid', { nextPosition: 500 }))
    tracker.handle(gtid(12))
    tracker.handle(event('transactionpayload'))
    tracker.handle(event('xid', { nextPosition: 600 }))
    tracker.handle(gtid(13))
    tracker.handle(tableMap())
    tracker.handle(event('deleterows', { tableId: 7, rows: [{ id: '9007199254740993', tenant_id: 1 }, { id: 0, tenant_id: 1 }] }))
    tracker.handle(event('xid', { nextPosition: 700 }))
    expect(groups.map((g) => g.messages)).toEqual([[{ kind: 'all' }], [{ kind: 'all' }], undefined])
  })

  it('a table map of the table without tenant_id makes its rows "everything"', () => {
    const { tracker, groups } = track()
    tracker.handle(gtid(11))
    tracker.handle(tableMap({ ...TABLE, columnSchemas: [{ COLUMN_NAME: 'id' }, { COLUMN_NAME: 'owner_id' }] }))
    tracker.handle(event('writerows', { tableId: 7, rows: [{ id: 3, owner_id: 4 }] }))
    tracker.handle(event('xid', { nextPosition: 800 }))
    expect(groups[0]?.messages).toEqual([{ kind: 'all' }])
  })

  it('counts heartbeats only between groups, and takes their position', () => {
    const { tracker, heartbeats } = track()
    tracker.handle(event('heartbeat', { nextPosition: 900, binlogName: 'b.000001' }))
    tracker.handle(gtid(11))
    tracker.handle(event('heartbeat', { nextPosition: 950, binlogName: 'b.000001' }))
    expect(heartbeats).toEqual([900])
    expect(tracker.position()).toEqual({ gtid: '0-1-10', file: 'b.000001', position: 900 })
  })
})

describe('options', () => {
  const valid = { connection: 'mysql://u@127.0.0.1:3306/app', serverId: 7 }
  it.each([
    [{ ...valid, connection: 42 }, /options\.connection/],
    [{ ...valid, connection: 'http://x' }, /options\.connection/],
    [{ ...valid, serverId: 0 }, /options\.serverId/],
    [{ ...valid, serverId: 2 ** 32 }, /options\.serverId/],
    [{ connection: 'mysql://u@h/', serverId: 1 }, /options\.table must name the schema/],
    [{ ...valid, table: 'a.b.c' }, /options\.table/],
    [{ ...valid, table: 'x; drop' }, /options\.table/],
    [{ ...valid, stallTimeout: 400 }, /options\.stallTimeout must exceed options\.heartbeatInterval/],
    [{ ...valid, maxLag: 500 }, /options\.maxLag must exceed options\.heartbeatInterval/],
    [{ ...valid, heartbeatInterval: 0 }, /options\.heartbeatInterval/],
    [{ ...valid, maxIdsPerTenant: 0 }, /options\.maxIdsPerTenant/],
    [{ ...valid, target: {} }, /options\.target/],
    [{ ...valid, announce: {} }, /options\.announce/],
    [{ ...valid, checkpoint: { load: () => undefined } }, /options\.checkpoint/],
    [{ ...valid, lease: { key: 'k' } }, /options\.lease\.redis/],
    [{ ...valid, lease: { redis: { eval: (): undefined => undefined }, key: '' } }, /options\.lease\.key/],
    [{ ...valid, lease: { redis: { eval: (): undefined => undefined }, key: 'k', ttl: 1 } }, /options\.lease\.ttl/],
    [{ ...valid, lease: { redis: { eval: (): undefined => undefined }, key: 'k', tll: 1 } }, /options\.lease\.tll is not an option/],
    [{ ...valid, stalTimeout: 1 }, /options\.stalTimeout is not an option/],
  ])('refuses %j', (options, message) => {
    expect(() => createBinlogInvalidationSource(options as never)).toThrow(TypeError)
    expect(() => createBinlogInvalidationSource(options as never)).toThrow(message)
  })

  it('takes the schema from the table or the connection', () => {
    expect(createBinlogInvalidationSource(valid).stats().state).toBe('idle')
    expect(() => createBinlogInvalidationSource({ connection: { host: 'h', user: 'u' }, serverId: 1, table: 'app.contacts' })).not.toThrow()
  })
})

describe('source status on the Redis channel', () => {
  it('is compact and round-trips; anything else reads as nothing', () => {
    expect(encodeSourceStatus('Xk3_a9Qz', 21, { token: 7, healthy: true })).toBe('1:Xk3_a9Qz:21:s:7:h')
    expect(decodeSourceStatus('1:Xk3_a9Qz:22:s:7:u')).toEqual({ origin: 'Xk3_a9Qz', status: { token: 7, healthy: false } })
    const bad = ['', '1:o:1:s:7', '1:o:1:s:7:x', '2:o:1:s:7:h', '1:o:1:p', '1:o:x:s:7:h', '1::1:s:7:h', '1:o:1:s:-1:h', '1:o:1:s:7:h:x', '1:o:1:i:7:h']
    for (const text of bad) expect(decodeSourceStatus(text), text).toBeUndefined()
  })

  it('reads token 0 (a source without a lease) and sequence number 0; healthy only for h', () => {
    expect(decodeSourceStatus(encodeSourceStatus('o', 0, { token: 0, healthy: true }))).toEqual({ origin: 'o', status: { token: 0, healthy: true } })
    expect(decodeSourceStatus(encodeSourceStatus('o', 3, { token: 2, healthy: false }))).toEqual({ origin: 'o', status: { token: 2, healthy: false } })
  })

  describe('G-BINLOG-LIVENESS: SourceTrust (fake timers)', () => {
    beforeEach(() => { vi.useFakeTimers() })
    afterEach(() => { vi.useRealTimers() })

    function trust(): { trust: SourceTrust; changes: [boolean, SourceDistrustReason | undefined][] } {
      const changes: [boolean, SourceDistrustReason | undefined][] = []
      return { trust: new SourceTrust(500, (trusted, reason) => changes.push([trusted, reason])), changes }
    }

    it('trusts a healthy announcement, and distrusts on "unhealthy" or silence', () => {
      const { trust: t, changes } = trust()
      expect(t.reason).toBe('source-starting')
      t.hear({ token: 1, healthy: true })
      vi.advanceTimersByTime(400)
      t.hear({ token: 1, healthy: true })
      vi.advanceTimersByTime(499)
      expect(t.trusted).toBe(true)
      vi.advanceTimersByTime(1)
      vi.runOnlyPendingTimers()
      expect(t.reason).toBe('source-silent')
      t.hear({ token: 1, healthy: true })
      t.hear({ token: 1, healthy: false })
      expect(changes).toEqual([[true, undefined], [false, 'source-silent'], [true, undefined], [false, 'source-unhealthy']])
      expect(t.silences).toBe(1)
      t.stop()
    })

    it('follows the highest token heard recently, and any token once that one fell silent', () => {
      const { trust: t } = trust()
      t.hear({ token: 5, healthy: false })
      t.hear({ token: 4, healthy: true })
      expect(t.trusted).toBe(false)
      expect(t.ignored).toBe(1)
      vi.setSystemTime(Date.now() + 600)
      vi.advanceTimersByTime(600)
      t.hear({ token: 4, healthy: true })
      expect(t.trusted).toBe(true)
      expect(t.token).toBe(4)
      t.stop()
    })

    it('counts what it heard, ignores a lower token until the higher one is silent for the timeout', () => {
      const { trust: t } = trust()
      vi.advanceTimersByTime(1_000) // times measured from a clock that is not at 0
      t.hear({ token: 5, healthy: true })
      vi.advanceTimersByTime(500) // exactly the timeout: still recent
      t.hear({ token: 4, healthy: true })
      expect([t.heard, t.ignored, t.token]).toEqual([1, 1, 5])
      vi.advanceTimersByTime(1)
      t.hear({ token: 4, healthy: true })
      expect([t.heard, t.ignored, t.token]).toEqual([2, 1, 4])
      t.stop()
    })

    it('after stop, hears nothing, sets no timer and never turns silent', () => {
      const { trust: t, changes } = trust()
      t.hear({ token: 1, healthy: true })
      expect(vi.getTimerCount()).toBe(1)
      t.stop()
      expect(vi.getTimerCount()).toBe(0)
      t.hear({ token: 2, healthy: false })
      vi.advanceTimersByTime(5_000)
      vi.runOnlyPendingTimers()
      expect(changes).toEqual([[true, undefined]])
      expect([t.heard, t.silences]).toEqual([1, 0])
    })

    it('does not turn silent when stopped between the deadline and the decision', () => {
      const { trust: t, changes } = trust()
      t.hear({ token: 1, healthy: true })
      vi.advanceTimersByTime(500)
      t.stop()
      vi.runOnlyPendingTimers()
      expect(changes).toEqual([[true, undefined]])
      expect(t.silences).toBe(0)
    })

    it('does not turn silent when an announcement came between the deadline and the decision', () => {
      const { trust: t, changes } = trust()
      t.hear({ token: 1, healthy: true })
      vi.advanceTimersByTime(500) // the deadline fired; the decision waits for setImmediate
      t.hear({ token: 1, healthy: true })
      vi.runOnlyPendingTimers()
      expect(t.trusted).toBe(true)
      expect(t.silences).toBe(0)
      expect(changes).toEqual([[true, undefined]])
      t.stop()
    })

    it('does not turn silent when an unhealthy announcement already distrusted it', () => {
      const { trust: t, changes } = trust()
      t.hear({ token: 1, healthy: true })
      vi.advanceTimersByTime(500)
      t.hear({ token: 1, healthy: false }) // between the deadline and the decision
      vi.runOnlyPendingTimers()
      expect(t.reason).toBe('source-unhealthy')
      expect(t.silences).toBe(0)
      expect(changes).toEqual([[true, undefined], [false, 'source-unhealthy']])
      t.stop()
    })
  })
})

describe('binlog units, rule by rule', () => {
  const cause = new Error('denied')

  it.each([
    [{ file: 'mysql-bin.000002', position: 900 }, { file: 'mysql-bin.000010', position: 4 }, -1],
    [{ file: 'mysql-bin.1000000', position: 4 }, { file: 'mysql-bin.999999', position: 900 }, 1], // a number, not text
    [{ file: 'mysql-bin.000003', position: 4 }, { file: 'mysql-bin.000003', position: 120 }, -116],
    [{ file: 'a.000003', position: 4 }, { file: 'b.000003', position: 4 }, -1], // same sequence: by name
    [{ file: 'b.000003', position: 4 }, { file: 'a.000003', position: 4 }, 1],
    [{ file: '12', position: 4 }, { file: 'x.5', position: 4 }, -1], // no dot: no sequence, first
    [{ file: '.7', position: 4 }, { file: 'x.5', position: 4 }, 1], // a dot first: a sequence like any
  ])('orders %j before or after %j: %i', (a, b, expected) => {
    expect(Math.sign(compareFilePositions(a, b))).toBe(Math.sign(expected))
    expect(Math.sign(compareFilePositions(b, a))).toBe(-Math.sign(expected))
  })

  // Each error is built inside its test, not while the table is read: a mutation run only counts
  // code run by a test.
  it.each([
    ['BinlogUnsafeServerError', 'Refusing to tail the binlog: binlog_format is STATEMENT, must be ROW. Set it.', () => new BinlogUnsafeServerError('binlog_format', 'STATEMENT', 'ROW', 'Set it.'), 'ERR_BINLOG_UNSAFE_SERVER', false, { setting: 'binlog_format', actual: 'STATEMENT', expected: 'ROW', fix: 'Set it.' }],
    ['BinlogPrivilegeError', 'The binlog user lacks REPLICATION SLAVE: GRANT it.', () => new BinlogPrivilegeError('REPLICATION SLAVE', 'GRANT it.', cause), 'ERR_BINLOG_MISSING_PRIVILEGE', false, { privilege: 'REPLICATION SLAVE', fix: 'GRANT it.', cause }],
    ['BinlogConnectionError', 'lost', () => new BinlogConnectionError('lost', cause), 'ERR_BINLOG_CONNECTION', true, { cause }],
    ['BinlogSourceClosedError', 'The binlog invalidation source is closed', () => new BinlogSourceClosedError(), 'ERR_BINLOG_CLOSED', false, {}],
  ] as const)('%s: %s (name, code, message, transient and fields)', (name, message, build, code, transient, fields) => {
    expectErrorAsData(build(), BinlogSourceError, { name, code, message, transient, fields })
  })

  it('names the base class of the binlog errors', () => {
    expect(new BinlogSourceError('ERR_BINLOG_CLOSED', 'closed', false).name).toBe('BinlogSourceError')
  })
})
