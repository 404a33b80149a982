// The visibility race, forced: a commit's event reaches the tailer before the commit is visible
// to other readers, so a read started after the first invalidation can load the old row and
// cache it. The source's second invalidation, sent once a consistent snapshot shows the commit
// visible, must leave no stale row behind.
//
// Forcing it: the repository reads through a single connection held inside a consistent
// snapshot opened before the commit, so its read after the first invalidation sees the old
// row, exactly as a read racing the commit does; the source's second invalidation is held
// until that stale row is cached, then let through.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Kysely, MysqlDialect } from 'kysely'
import { createPool, type Pool, type PoolConnection } from 'mysql2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import {
  BINLOG_CHANNELS,
  createBinlogInvalidationSource,
  type BinlogInvalidateEvent,
  type BinlogInvalidationSource,
  type InvalidationTarget,
} from '../../src/binlog/index.js'
import { eventually } from '../redis/helpers/clock.js'
import { delivered, openBinlogRig, type BinlogRig } from './helpers/binlog-rig.js'

let rig: BinlogRig
let pool: Pool
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table is created at run time
let db: Kysely<any>

beforeAll(async () => {
  rig = await openBinlogRig('race')
  await rig.seed([[1, 1]])
  pool = createPool({ uri: rig.server.url, connectionLimit: 1 })
  db = new Kysely({ dialect: new MysqlDialect({ pool }) })
})

afterAll(async () => {
  await (db as Kysely<unknown> | undefined)?.destroy()
  await (rig as BinlogRig | undefined)?.close()
})

/** Runs `sql` on the pool's only connection and leaves it there (a transaction stays open). */
function onPooledConnection(sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    pool.getConnection((error: unknown, connection: PoolConnection) => {
      if (error instanceof Error) {
        reject(error)
        return
      }
      connection.query(sql, (queryError) => {
        connection.release()
        if (queryError !== null) reject(queryError)
        else resolve()
      })
    })
  })
}

interface Gate {
  readonly target: InvalidationTarget
  /** From now on, hold the source's "visible" invalidations. */
  arm(): void
  /** Sends the held ones (and stops holding); `drop` forgets them instead. */
  release(drop?: boolean): Promise<void>
  /** Invalidations sent at the commit's event, and "visible" ones held now. */
  counts(): { readonly events: number; readonly held: number }
  close(): void
}

/** A target in front of the repository that can hold the source's "visible" invalidations. */
function gate(repository: ContactRepository): Gate {
  let phase: BinlogInvalidateEvent['phase'] | undefined
  let events = 0
  let armed = false
  const waiting: { send: () => Promise<void>; settle: (error?: Error) => void }[] = []
  const listener = (event: unknown): void => {
    phase = (event as BinlogInvalidateEvent).phase
    if (phase === 'event') events++
  }
  subscribe(BINLOG_CHANNELS.invalidate, listener)
  // The diagnostics event is published synchronously right before the source calls the target.
  const pass = (send: () => Promise<void>): Promise<void> => {
    if (!armed || phase !== 'visible') return send()
    return new Promise((resolve, reject) => {
      waiting.push({ send, settle: (error) => { if (error === undefined) resolve(); else reject(error) } })
    })
  }
  return {
    target: {
      invalidate: (tenantId, ids) => pass(() => repository.invalidate(tenantId, ids)),
      invalidateTenant: (tenantId) => pass(() => repository.invalidateTenant(tenantId)),
      invalidateAll: () => pass(() => repository.invalidateAll()),
    },
    arm() {
      armed = true
    },
    async release(drop = false) {
      armed = false
      // Dropped: settled without reaching the repository, as if the source never sent them.
      await Promise.all(waiting.splice(0).map(async ({ send, settle }) => {
        try {
          if (!drop) await send()
          settle()
        } catch (error) {
          settle(error as Error)
        }
      }))
    },
    counts: () => ({ events, held: waiting.length }),
    close() {
      unsubscribe(BINLOG_CHANNELS.invalidate, listener)
    },
  }
}

async function firstName(repository: ContactRepository): Promise<string | null | undefined> {
  return (await repository.getMany(1, [1])).rows[0]?.firstName
}

describe('G-BINLOG-FRESH: the visibility race', () => {
  // `drop`: the negative control, without the second invalidation; the stale row must stay.
  it.each([
    ['with the second invalidation: the stale row is gone once the commit is seen visible', false],
    ['without it (control): the stale row stays cached', true],
  ])('%s', async (_name, drop) => {
    const repository = new ContactRepository({ db, ttl: 60_000 })
    const g = gate(repository)
    const source: BinlogInvalidationSource = createBinlogInvalidationSource({ connection: rig.tailer, serverId: 4711, target: g.target })
    try {
      await source.start()
      await delivered(source, await rig.write("UPDATE contacts SET first_name = 'v1' WHERE id = 1"))
      expect(await firstName(repository)).toBe('v1')

      // A reader whose view predates the commit: what a read racing the commit sees.
      await onPooledConnection('START TRANSACTION WITH CONSISTENT SNAPSHOT')
      g.arm()
      const eventsBefore = g.counts().events
      const gtid = await rig.write("UPDATE contacts SET first_name = 'v2' WHERE id = 1")
      await eventually('the first invalidation applied, the second held', () => g.counts().events > eventsBefore && g.counts().held > 0)

      // The race: after the first invalidation, a read loads the pre-commit row and caches it.
      expect(await firstName(repository)).toBe('v1')
      expect(await firstName(repository)).toBe('v1')
      expect(repository.stats().entries).toBe(1)

      await onPooledConnection('COMMIT') // every read from now on sees v2
      await g.release(drop)
      await delivered(source, gtid)
      expect(await firstName(repository)).toBe(drop ? 'v1' : 'v2')
    } finally {
      g.close()
      await onPooledConnection('COMMIT').catch(() => undefined)
      await source.close()
      await repository.close()
    }
  })
})
