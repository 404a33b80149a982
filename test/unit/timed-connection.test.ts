// TimedConnection's own rules, with a fake mysql2 connection and a fake clock: a command answers
// its caller exactly once (with its result, or with a timeout at the deadline, whatever the
// driver does after), and only a connection the pool handed out is given back, once.
// test/mysql/pool-rules.test.ts and test/faults/** prove the same deadline on MariaDB; this file
// holds what mysql2 3.x never does (a callback after destroy()) but a driver could.
import type { PoolConnection, QueryError } from 'mysql2'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ContactTimeoutError } from '../../src/errors.js'
import { TimedConnection, type TimedConnectionEvents } from '../../src/mysql/timed-connection.js'

type Callback = (error: QueryError | null, result: unknown) => void

/** A connection that keeps each query's callback for the test to answer, and records the rest. */
function fakeConnection(): { raw: PoolConnection; answer: Callback[]; calls: string[] } {
  const answer: Callback[] = []
  const calls: string[] = []
  const raw = {
    query: (_sql: string, _values: unknown[], callback: Callback) => { answer.push(callback) },
    release: () => { calls.push('release') },
    destroy: () => { calls.push('destroy') },
    stream: { destroy: () => { calls.push('stream.destroy') } },
  }
  return { raw: raw as unknown as PoolConnection, answer, calls }
}

function events(): TimedConnectionEvents & { counts: Record<string, number> } {
  const counts = { releases: 0, queryTimeouts: 0, serverTimeouts: 0 }
  return {
    counts,
    onRelease: () => { counts.releases++ },
    onQueryTimeout: () => { counts.queryTimeouts++ },
    onServerTimeout: () => { counts.serverTimeouts++ },
  }
}

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

describe('G-MYSQL-NO-HANG: TimedConnection, rule by rule (a fake driver)', () => {
  it('answers a command once at its deadline, destroys the connection, and drops what the driver says later', () => {
    const { raw, answer, calls } = fakeConnection()
    const counted = events()
    const connection = new TimedConnection(raw, 100, 0, counted).checkOut()
    const results: unknown[][] = []
    connection.query('select sleep(1)', [], (error, result) => { results.push([error, result]) })

    vi.advanceTimersByTime(99)
    expect(results).toEqual([])
    vi.advanceTimersByTime(1)
    expect(results).toHaveLength(1)
    expect(results[0]?.[0]).toBeInstanceOf(ContactTimeoutError)
    expect(results[0]?.[0]).toMatchObject({ code: 'ERR_CONTACTS_TIMEOUT', timeoutMs: 100 })
    expect(calls).toEqual(['destroy', 'stream.destroy'])
    expect(counted.counts).toEqual({ releases: 0, queryTimeouts: 1, serverTimeouts: 0 })

    // A driver that still calls back after destroy(), with a result or an error: not heard.
    answer[0]?.(null, [{ late: 1 }])
    answer[0]?.({ errno: 1969 } as QueryError, undefined)
    expect(results).toHaveLength(1)
    expect(counted.counts.serverTimeouts).toBe(0)
  })

  it('answers a command once with its result, and its deadline then passes unnoticed', () => {
    const { raw, answer, calls } = fakeConnection()
    const counted = events()
    const connection = new TimedConnection(raw, 100, 0, counted).checkOut()
    const results: unknown[][] = []
    connection.query('select 1', [], (error, result) => { results.push([error, result]) })
    answer[0]?.(null, [{ one: 1 }])
    answer[0]?.(null, [{ twice: 1 }])
    vi.advanceTimersByTime(1_000)
    expect(results).toEqual([[null, [{ one: 1 }]]])
    expect(calls).toEqual([])
    expect(counted.counts.queryTimeouts).toBe(0)
  })

  it('gives back only a connection the pool handed out, once per checkout', () => {
    const { raw, calls } = fakeConnection()
    const counted = events()
    const connection = new TimedConnection(raw, 100, 0, counted)
    connection.release() // never handed out
    expect(calls).toEqual([])
    expect(counted.counts.releases).toBe(0)

    connection.checkOut().release()
    connection.release()
    expect(calls).toEqual(['release'])
    expect(counted.counts.releases).toBe(1)

    connection.checkOut().release() // the next checkout of the same connection
    expect(calls).toEqual(['release', 'release'])
    expect(counted.counts.releases).toBe(2)
  })
})
