// Proves G-BUS-IN-FLIGHT: an invalidation that arrives from the bus while a fetch of that row is in flight
// discards the fetch's fill. Deterministic: the query reads the old row and its result is
// held; the row changes and the invalidation arrives through Redis; only then is it released.
import { randomUUID } from 'node:crypto'
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { createRedisInvalidationBus, type RedisInvalidationBus } from '../../src/redis/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { MYSQL_URL, REDIS_URL } from '../helpers/env.js'
import { eventually } from './helpers/clock.js'
import { QueryGate, gatedDialect } from '../helpers/gated-dialect.js'
import { connectPair, type ConnectionPair } from './helpers/redis-connections.js'

const TENANT = 11
const ID = 77
let backend: TestBackend
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
let readerDb: Kysely<any>
const gate = new QueryGate()
const pairs: ConnectionPair[] = []
const buses: RedisInvalidationBus[] = []
let reader: ContactRepository
let writer: ContactRepository
let readerBus: RedisInvalidationBus

beforeAll(async () => {
  backend = await openBackend('mariadb', 'redis_inflight')
  await backend.insert([seed(TENANT, ID, { first_name: 'v0' })])
  readerDb = new Kysely({ dialect: gatedDialect(new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 2 }) }), gate) })
  const channel = `contact-repository-test:${randomUUID()}`
  const open = (name: string): RedisInvalidationBus => {
    const pair = connectPair(REDIS_URL, name)
    pairs.push(pair)
    const bus = createRedisInvalidationBus({ publisher: pair.publisher, subscriber: pair.subscriber, channel, heartbeatInterval: 50 })
    buses.push(bus)
    return bus
  }
  readerBus = open('inflight-reader')
  const writerBus = open('inflight-writer')
  reader = new ContactRepository({ db: readerDb, table: backend.table, bus: readerBus, ttl: 60_000 })
  writer = new ContactRepository({ db: backend.db, table: backend.table, bus: writerBus })
  await eventually('trusted', () => reader.stats().trusted && writer.stats().trusted)
})

afterAll(async () => {
  await reader.close()
  await writer.close()
  for (const bus of buses) await bus.close()
  for (const pair of pairs) await pair.quit()
  await readerDb.destroy()
  await backend.close()
})

afterEach(async () => {
  await backend.update(ID, { first_name: 'v0' })
  await reader.invalidateAll()
})

async function readWhileHeld(during: () => Promise<void>): Promise<string | null | undefined> {
  const held = gate.holdNext()
  const read = reader.getMany(TENANT, [ID])
  await held // MariaDB answered with the old row; the repository has not seen it yet
  await backend.update(ID, { first_name: 'v1' })
  await during()
  gate.release()
  return (await read).rows[0]?.firstName
}

describe('G-BUS-IN-FLIGHT: in-flight fetch and an invalidation from the bus', () => {
  it('discards the fill of a fetch that an invalidation from another instance overtook', async () => {
    const received = readerBus.stats().received
    const first = await readWhileHeld(async () => {
      await writer.invalidate(TENANT, [ID])
      await eventually('the reader applied the invalidation', () => readerBus.stats().received === received + 1)
    })
    expect(first).toBe('v0') // that call started before the write: the old row is its answer
    const queries = reader.stats().queries
    const next = await reader.getMany(TENANT, [ID])
    expect(next.rows[0]?.firstName).toBe('v1') // the held old row was not cached
    expect(reader.stats().queries).toBe(queries + 1)
  })

  it('control: without the invalidation, the same interleaving caches the old row (what the rule prevents)', async () => {
    const first = await readWhileHeld(() => Promise.resolve())
    expect(first).toBe('v0')
    const queries = reader.stats().queries
    expect((await reader.getMany(TENANT, [ID])).rows[0]?.firstName).toBe('v0')
    expect(reader.stats().queries).toBe(queries)
  })
})
