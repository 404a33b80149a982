// One application instance of a binlog fleet, in a child process: a repository on the private
// MariaDB with a Redis bus that depends on the binlog source (`sourceTimeout`). A reader reads
// in a loop and logs what it served, applied and trusted; a tailer also runs the source (lease,
// Redis checkpoint) with its repository as target and its bus as announcer, and logs what it sent.
import { subscribe } from 'node:diagnostics_channel'
import { setTimeout as delay } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { CHANNELS, ContactRepository, type GetManyEvent, type TrustEvent } from '../../src/index.js'
import {
  BINLOG_CHANNELS,
  createBinlogInvalidationSource,
  redisCheckpointStore,
  type BinlogInvalidateEvent,
  type BinlogInvalidationSource,
} from '../../src/binlog/index.js'
import {
  REDIS_BUS_CHANNELS,
  createRedisInvalidationBus,
  type BusPublishEvent,
  type BusReceiveEvent,
  type RedisInvalidationBus,
} from '../../src/redis/index.js'
import {
  sharedNow,
  versionOf,
  type Command,
  type ReadRun,
  type ReaderEvent,
  type ReaderLog,
  type Reply,
  type Request,
  type TailerSend,
  type WorkerConfig,
  type WorkerStatus,
} from './binlog-fleet-protocol.js'

interface Instance {
  readonly config: WorkerConfig
  readonly connections: Redis[]
  readonly db: Kysely<unknown>
  readonly bus: RedisInvalidationBus
  readonly repository: ContactRepository
  readonly source: BinlogInvalidationSource | undefined
  readonly events: ReaderEvent[]
  readonly runs: Map<number, ReadRun>
  readonly closedRuns: ReadRun[]
  readonly lastSeqFrom: Record<string, number>
  pos: number
  reads: number
  readErrors: number
  reading: Promise<void> | undefined
  stop: boolean
}

let instance: Instance | undefined
// The last get-many event (getMany publishes it synchronously), read through a function so
// that the compiler does not assume it unchanged across the call.
const seen: { getMany: GetManyEvent | undefined } = { getMany: undefined }

subscribe(CHANNELS.getMany, (event) => { seen.getMany = event as GetManyEvent })
subscribe(CHANNELS.trust, (event) => {
  if (instance !== undefined) instance.events.push({ type: 'trust', pos: ++instance.pos, at: sharedNow(), trusted: (event as TrustEvent).trusted })
})
subscribe(REDIS_BUS_CHANNELS.receive, (raw) => {
  const event = raw as BusReceiveEvent
  const self = instance
  if (self === undefined || event.bus !== self.bus.id) return
  self.events.push({ type: 'applied', pos: ++self.pos, at: sharedNow(), origin: event.origin ?? null, seq: event.seq, message: event.message })
  if (event.origin !== undefined) self.lastSeqFrom[event.origin] = Math.max(self.lastSeqFrom[event.origin] ?? 0, event.seq)
})
subscribe(REDIS_BUS_CHANNELS.publish, (raw) => {
  const event = raw as BusPublishEvent
  if (instance?.source !== undefined && event.bus === instance.bus.id) {
    send({ type: 'published', busId: event.bus, seq: event.seq, message: event.message })
  }
})
subscribe(BINLOG_CHANNELS.invalidate, (raw) => {
  const event = raw as BinlogInvalidateEvent
  const self = instance
  if (self?.source === undefined || event.source !== self.source.id) return
  // Published right before the source calls the repository, which publishes on the bus.
  const entry: TailerSend = { phase: event.phase, gtid: event.gtid, seqBefore: self.bus.stats().sequence, at: sharedNow(), message: event.message }
  send({ type: 'send', busId: self.bus.id, send: entry })
})

async function configure(config: WorkerConfig): Promise<{ busId: string }> {
  await teardown()
  const connect = (role: string): Redis => {
    const connection = new Redis(config.redisUrl, { retryStrategy: () => 50, connectionName: `${config.name}-${role}` })
    connection.on('error', () => undefined) // expected during faults
    return connection
  }
  const publisher = connect('pub')
  const subscriber = connect('sub')
  const bus = createRedisInvalidationBus({
    publisher, subscriber, channel: config.channel, heartbeatInterval: config.heartbeatInterval,
    heartbeatTimeout: config.heartbeatTimeout, sourceTimeout: config.sourceTimeout,
  })
  const db = new Kysely<unknown>({ dialect: new MysqlDialect({ pool: createPool({ uri: config.mysqlUrl, connectionLimit: 4, connectTimeout: 2_000 }) }) })
  const fresh: Instance = {
    config, connections: [publisher, subscriber], db, bus, repository: undefined as unknown as ContactRepository, source: undefined,
    events: [], runs: new Map(), closedRuns: [], lastSeqFrom: {}, pos: 0, reads: 0, readErrors: 0, reading: undefined, stop: false,
  }
  instance = fresh
  // Created after `instance` is set, so that its first trust event is logged.
  const repository = new ContactRepository({ db, bus, ttl: config.ttl, untrustedTtl: config.untrustedTtl, queryTimeout: 3_000 })
  Object.assign(fresh, { repository })
  const tailer = config.tailer
  if (tailer !== undefined) {
    const redis = connect('lease')
    fresh.connections.push(redis)
    const { connection, serverId, leaseKey, leaseTtl, checkpointKey, ...timing } = tailer
    const source = createBinlogInvalidationSource({
      connection, serverId, table: 'contacts', target: repository, announce: bus,
      lease: { redis, key: leaseKey, ttl: leaseTtl }, checkpoint: redisCheckpointStore({ redis, key: checkpointKey }), ...timing,
    })
    Object.assign(fresh, { source })
    await source.start()
  }
  return { busId: bus.id }
}

async function teardown(): Promise<null> {
  const old = instance
  if (old === undefined) return null
  old.stop = true
  await old.reading
  await old.source?.close()
  await old.repository.close()
  await old.bus.close()
  for (const connection of old.connections) connection.disconnect()
  await old.db.destroy()
  instance = undefined
  return null
}

function note(self: Instance, id: number, version: number, pos: number, at: number, allHits: boolean): void {
  const last = self.runs.get(id)
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
  if (last !== undefined) self.closedRuns.push(last)
  self.runs.set(id, {
    id, version, firstPos: pos, firstAt: at, lastPos: pos, lastAt: at,
    lastHitPos: allHits ? pos : null, lastHitAt: allHits ? at : null, reads: 1,
  })
}

function lastGetManyMisses(): number | undefined {
  return seen.getMany?.misses
}

async function readLoop(self: Instance, ids: readonly number[], pauseMs: number): Promise<void> {
  while (!self.stop) {
    const pos = ++self.pos
    const at = sharedNow()
    seen.getMany = undefined
    const pending = self.repository.getMany(self.config.tenantId, ids)
    // Did the cache answer all of it?
    const allHits = lastGetManyMisses() === 0
    try {
      const result = await pending
      for (const row of result.rows) note(self, row.id, versionOf(row.firstName), pos, at, allHits)
    } catch {
      self.readErrors++
    }
    self.reads++
    await delay(pauseMs)
  }
}

async function run(command: Command): Promise<unknown> {
  const self = instance
  if (command.cmd === 'configure') return configure(command.config)
  if (command.cmd === 'teardown') return teardown()
  if (self === undefined) throw new Error('not configured')
  switch (command.cmd) {
    case 'startReading':
      self.stop = false
      self.reading = readLoop(self, command.ids, command.pauseMs)
      return null
    case 'stopReading': {
      self.stop = true
      await self.reading
      return {
        name: self.config.name, busId: self.bus.id, events: self.events, runs: [...self.closedRuns, ...self.runs.values()],
        reads: self.reads, readErrors: self.readErrors,
      } satisfies ReaderLog
    }
    case 'status':
      return {
        name: self.config.name, trusted: self.repository.stats().trusted, bus: self.bus.stats(), source: self.source?.stats(),
        lastSeqFrom: { ...self.lastSeqFrom },
      } satisfies WorkerStatus
    case 'finalRead': {
      const result = await self.repository.getMany(self.config.tenantId, command.ids)
      return Object.fromEntries(result.rows.map((row) => [row.id, versionOf(row.firstName)]))
    }
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
  void teardown().finally(() => process.exit(0))
})
send({ type: 'ready' })
