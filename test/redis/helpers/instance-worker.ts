// One application instance in a child process: its own repository on MariaDB and its own
// Redis bus. The test process drives it over IPC (see fleet-protocol.ts); readers log what they
// saw, the writer logs what it committed, and the staleness checker compares the two.
import { subscribe } from 'node:diagnostics_channel'
import { Redis } from 'ioredis'
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import {
  CHANNELS,
  ContactRepository,
  ContactWrites,
  type ContactInvalidator,
  type GetManyEvent,
  type TrustEvent,
} from '../../../src/index.js'
import {
  REDIS_BUS_CHANNELS,
  createRedisInvalidationBus,
  type BusPublishEvent,
  type BusReceiveEvent,
  type RedisInvalidationBus,
} from '../../../src/redis/index.js'
import { MYSQL_URL } from '../../helpers/env.js'
import { delay, sharedNow } from './clock.js'
import {
  versionOf,
  type BurstResult,
  type Command,
  type InstanceConfig,
  type InstanceStatus,
  type PublishedRecord,
  type ReadRun,
  type ReaderEvent,
  type ReaderLog,
  type Reply,
  type Request,
  type WriteRecord,
} from './fleet-protocol.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is dynamic
const db = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 4 }) }) })

interface Instance {
  readonly config: InstanceConfig
  readonly publisher: Redis
  readonly subscriber: Redis
  readonly bus: RedisInvalidationBus
  readonly repository: ContactRepository
  readonly events: ReaderEvent[]
  readonly runs: Map<number, ReadRun[]>
  readonly lastSeqFrom: Record<string, number>
  readonly published: PublishedRecord[]
  pos: number
  reads: number
  readErrors: number
  reading: Promise<void> | undefined
  stopReading: boolean
}

let instance: Instance | undefined
// The last get-many event, published synchronously inside getMany.
const seen: { getMany: GetManyEvent | undefined } = { getMany: undefined }

subscribe(CHANNELS.getMany, (event) => { seen.getMany = event as GetManyEvent })
subscribe(CHANNELS.trust, (event) => {
  if (instance === undefined) return
  instance.events.push({ type: 'trust', pos: ++instance.pos, at: sharedNow(), trusted: (event as TrustEvent).trusted })
})
subscribe(REDIS_BUS_CHANNELS.publish, (raw) => {
  const event = raw as BusPublishEvent
  if (instance !== undefined && event.bus === instance.bus.id) instance.published.push({ seq: event.seq, message: event.message })
})
subscribe(REDIS_BUS_CHANNELS.receive, (raw) => {
  const event = raw as BusReceiveEvent
  if (instance === undefined || event.bus !== instance.bus.id) return
  instance.events.push({
    type: 'applied', pos: ++instance.pos, at: sharedNow(), origin: event.origin ?? null, seq: event.seq, message: event.message,
  })
  if (event.origin !== undefined) {
    instance.lastSeqFrom[event.origin] = Math.max(instance.lastSeqFrom[event.origin] ?? 0, event.seq)
  }
})

function lastGetMany(): GetManyEvent | undefined {
  return seen.getMany
}

function current(): Instance {
  if (instance === undefined) throw new Error('not configured')
  return instance
}

async function configure(config: InstanceConfig): Promise<{ busId: string }> {
  await teardown()
  const connect = (role: string): Redis => {
    const connection = new Redis(config.redisUrl, { retryStrategy: () => 50, connectionName: `${config.name}-${role}` })
    connection.on('error', () => undefined) // expected during the fault scenarios
    return connection
  }
  const publisher = connect('pub')
  const subscriber = connect('sub')
  const bus = createRedisInvalidationBus({
    publisher,
    subscriber,
    channel: config.channel,
    heartbeatInterval: config.heartbeatInterval,
    heartbeatTimeout: config.heartbeatTimeout,
    publishTimeout: config.publishTimeout,
    maxQueued: config.maxQueued,
  })
  const fresh: Instance = {
    config, publisher, subscriber, bus, repository: undefined as unknown as ContactRepository,
    events: [], runs: new Map(), lastSeqFrom: {}, published: [], pos: 0, reads: 0, readErrors: 0, reading: undefined, stopReading: false,
  }
  instance = fresh
  // Constructed after `instance` is set so that its first trust event is logged.
  ;(fresh as { repository: ContactRepository }).repository = new ContactRepository({
    db, table: config.table, bus, ttl: config.ttl, untrustedTtl: config.untrustedTtl,
  })
  return { busId: bus.id }
}

async function teardown(): Promise<null> {
  const old = instance
  if (old === undefined) return null
  old.stopReading = true
  await old.reading
  await old.repository.close()
  await old.bus.close()
  old.publisher.disconnect()
  old.subscriber.disconnect()
  instance = undefined
  return null
}

function note(self: Instance, id: number, version: number, pos: number, at: number, allHits: boolean): void {
  let runs = self.runs.get(id)
  if (runs === undefined) {
    runs = []
    self.runs.set(id, runs)
  }
  const last = runs[runs.length - 1]
  if (last?.version === version) {
    last.lastPos = pos
    last.lastAt = at
    if (allHits) {
      last.lastHitPos = pos
      last.lastHitAt = at
    }
    last.reads++
    return
  }
  runs.push({
    id, version, firstPos: pos, firstAt: at, lastPos: pos, lastAt: at,
    lastHitPos: allHits ? pos : null, lastHitAt: allHits ? at : null, reads: 1,
  })
}

async function readLoop(self: Instance, ids: readonly number[], pauseMs: number): Promise<void> {
  while (!self.stopReading) {
    const pos = ++self.pos
    const at = sharedNow()
    seen.getMany = undefined
    const pending = self.repository.getMany(self.config.tenantId, ids)
    // Whether this call was answered wholly by the cache (no load started or joined).
    const allHits = lastGetMany()?.misses === 0
    try {
      const result = await pending
      for (const row of result.rows) note(self, row.id, versionOf(row.firstName), pos, at, allHits)
    } catch {
      self.readErrors++
    }
    self.reads++
    // A timer, not a microtask: a real server reads in I/O callbacks, and timers must run.
    await delay(pauseMs)
  }
}

function stopReading(self: Instance): Promise<ReaderLog> {
  self.stopReading = true
  return (self.reading ?? Promise.resolve()).then(() => ({
    name: self.config.name,
    busId: self.bus.id,
    events: self.events,
    runs: [...self.runs.values()].flat(),
    reads: self.reads,
    readErrors: self.readErrors,
  }))
}

/** Records commit time and sequence number between the commit and the invalidation. */
function tap(self: Instance, record: { commitEnd: number; seqAtCommit: number }): ContactInvalidator {
  return {
    invalidate: (tenantId, ids) => {
      record.commitEnd = sharedNow()
      record.seqAtCommit = self.bus.stats().sequence
      return self.repository.invalidate(tenantId, ids)
    },
    invalidateTenant: (tenantId) => self.repository.invalidateTenant(tenantId),
  }
}

const versions = new Map<number, number>()

async function writeOne(self: Instance, id: number): Promise<WriteRecord> {
  const version = (versions.get(id) ?? 0) + 1
  versions.set(id, version)
  const record = { commitEnd: 0, seqAtCommit: 0 }
  const writes = new ContactWrites({ db, repository: tap(self, record) })
  const commitStart = sharedNow()
  await writes.execute(async (trx, changes) => {
    await trx
      .updateTable(self.config.table)
      .set({ first_name: `v${version}` })
      .where('tenant_id', '=', self.config.tenantId)
      .where('id', '=', id)
      .execute()
    changes.ids(self.config.tenantId, [id])
  })
  return { id, version, commitStart, commitEnd: record.commitEnd, seqAtCommit: record.seqAtCommit, settled: sharedNow() }
}

async function write(self: Instance, ids: readonly number[], count: number, pauseMs: number): Promise<WriteRecord[]> {
  const records: WriteRecord[] = []
  for (let k = 0; k < count; k++) {
    records.push(await writeOne(self, ids[k % ids.length] as number))
    send({ type: 'progress', done: k + 1 })
    await delay(pauseMs)
  }
  return records
}

async function burst(self: Instance, firstId: number, count: number, sliceSize: number, probeIds: readonly number[]): Promise<BurstResult> {
  const started = sharedNow()
  const writes: WriteRecord[] = []
  const pending: Promise<void>[] = []
  let probe = 0
  for (let k = 0; k < count; k += sliceSize) {
    for (let j = k; j < Math.min(count, k + sliceSize); j++) {
      pending.push(self.repository.invalidate(self.config.tenantId, [firstId + j]))
    }
    writes.push(await writeOne(self, probeIds[probe++ % probeIds.length] as number))
  }
  await Promise.all(pending)
  return { writes, invalidations: count, durationMs: sharedNow() - started }
}

function status(self: Instance): InstanceStatus {
  return { name: self.config.name, trusted: self.repository.stats().trusted, bus: self.bus.stats(), lastSeqFrom: { ...self.lastSeqFrom } }
}

async function finalRead(self: Instance, ids: readonly number[]): Promise<Record<number, number>> {
  const result = await self.repository.getMany(self.config.tenantId, ids)
  return Object.fromEntries(result.rows.map((row) => [row.id, versionOf(row.firstName)]))
}

async function run(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'configure':
      versions.clear()
      return configure(command.config)
    case 'startReading': {
      const self = current()
      self.stopReading = false
      self.reading = readLoop(self, command.ids, command.pauseMs)
      return null
    }
    case 'stopReading':
      return stopReading(current())
    case 'write':
      return write(current(), command.ids, command.count, command.pauseMs)
    case 'burst':
      return burst(current(), command.firstId, command.count, command.sliceSize, command.probeIds)
    case 'barrier': {
      const self = current()
      const before = self.bus.stats().sequence
      const published = self.bus.publish({ kind: 'ids', tenantId: self.config.tenantId, ids: [command.id] })
      const seq = self.bus.stats().sequence // assigned synchronously when the PUBLISH is sent now
      await published
      // Only a message Redis took now is ordered after everything published before it.
      return { seq: seq > before && self.bus.stats().queued === 0 ? seq : null }
    }
    case 'status':
      return status(current())
    case 'published':
      return current().published
    case 'finalRead':
      return finalRead(current(), command.ids)
    case 'teardown':
      return teardown()
  }
}

function send(reply: Reply): void {
  process.send?.(reply)
}

process.on('message', (raw) => {
  const request = raw as Request
  run(request.command).then(
    (result) => { send({ type: 'reply', id: request.id, ok: true, result }) },
    (error: unknown) => { send({ type: 'reply', id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }) },
  )
})
process.on('disconnect', () => {
  void teardown().finally(() => db.destroy().finally(() => process.exit(0)))
})
send({ type: 'ready' })
