import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TrustMonitor, type DistrustReason } from '../../src/redis/trust-monitor.js'

describe('G-BUS-TRUST: trust monitor (fake timers)', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  function monitor(timeout: number): { monitor: TrustMonitor; changes: [boolean, DistrustReason | undefined][] } {
    const changes: [boolean, DistrustReason | undefined][] = []
    return { monitor: new TrustMonitor(timeout, (trusted, reason) => changes.push([trusted, reason])), changes }
  }

  it('starts untrusted and trusts on the first ping heard', () => {
    const { monitor: m, changes } = monitor(300)
    expect(m.trusted).toBe(false)
    expect(m.reason).toBe('starting')
    m.heard()
    expect(m.trusted).toBe(true)
    expect(m.reason).toBeUndefined()
    expect(changes).toEqual([[true, undefined]])
  })

  it('distrusts when no ping is heard within the timeout, and trusts again on the next one', () => {
    const { monitor: m, changes } = monitor(300)
    m.heard()
    vi.advanceTimersByTime(200)
    m.heard()
    vi.advanceTimersByTime(299)
    expect(m.trusted).toBe(true)
    vi.advanceTimersByTime(1)
    vi.runOnlyPendingTimers() // the decision waits for setImmediate
    expect(m.trusted).toBe(false)
    expect(m.reason).toBe('heartbeat-timeout')
    expect(m.timeouts).toBe(1)
    m.heard()
    expect(changes).toEqual([[true, undefined], [false, 'heartbeat-timeout'], [true, undefined]])
  })

  it('does not distrust when the ping was read in the same turn as the expired deadline', () => {
    const { monitor: m } = monitor(300)
    m.heard()
    vi.advanceTimersByTime(300) // deadline fired, decision pending in setImmediate
    m.heard() // the I/O phase read the ping first
    vi.runOnlyPendingTimers()
    expect(m.trusted).toBe(true)
    expect(m.timeouts).toBe(0)
  })

  it('distrusts at once when the subscription closes, with no deadline left behind', () => {
    const { monitor: m, changes } = monitor(300)
    m.heard()
    m.lost('subscription-closed')
    expect(m.reason).toBe('subscription-closed')
    vi.advanceTimersByTime(10_000)
    vi.runOnlyPendingTimers()
    expect(changes).toEqual([[true, undefined], [false, 'subscription-closed']])
    expect(m.timeouts).toBe(0)
  })

  it('cancels its deadline when the subscription closes', () => {
    const { monitor: m } = monitor(300)
    m.heard()
    expect(vi.getTimerCount()).toBe(1)
    m.lost('subscription-closed')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('reports a loss while untrusted as a new reason, not as a change', () => {
    const { monitor: m, changes } = monitor(300)
    m.lost('subscription-closed')
    expect(m.reason).toBe('subscription-closed')
    expect(changes).toEqual([])
  })

  it('trusts again once pings are heard after the subscription came back', () => {
    const { monitor: m, changes } = monitor(300)
    m.heard()
    m.lost('subscription-closed')
    m.heard()
    expect(m.trusted).toBe(true)
    expect(changes).toEqual([[true, undefined], [false, 'subscription-closed'], [true, undefined]])
  })

  it('ignores everything once closed', () => {
    const { monitor: m, changes } = monitor(300)
    m.heard()
    m.lost('closed')
    m.heard()
    m.lost('subscription-closed')
    expect(m.trusted).toBe(false)
    expect(m.reason).toBe('closed')
    expect(changes).toEqual([[true, undefined], [false, 'closed']])
  })
})
