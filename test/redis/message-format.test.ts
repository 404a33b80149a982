import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { InvalidationMessage } from '../../src/index.js'
import { FORMAT_VERSION, decodeMessage, encodeInvalidation, encodePing } from '../../src/redis/message-format.js'

const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
const message: fc.Arbitrary<InvalidationMessage> = fc.oneof(
  fc.record({ kind: fc.constant('ids' as const), tenantId: id, ids: fc.array(id, { minLength: 1, maxLength: 50 }) }),
  fc.record({ kind: fc.constant('tenant' as const), tenantId: id }),
  fc.constant({ kind: 'all' as const }),
)

describe('message format', () => {
  it('is compact and readable', () => {
    expect(encodeInvalidation('Xk3_a9Qz', 17, { kind: 'ids', tenantId: 42, ids: [1001, 1002] })).toBe('1:Xk3_a9Qz:17:i:42:1001,1002')
    expect(encodeInvalidation('Xk3_a9Qz', 18, { kind: 'tenant', tenantId: 42 })).toBe('1:Xk3_a9Qz:18:t:42')
    expect(encodeInvalidation('Xk3_a9Qz', 19, { kind: 'all' })).toBe('1:Xk3_a9Qz:19:a')
    expect(encodePing('Xk3_a9Qz', 20)).toBe('1:Xk3_a9Qz:20:p')
    expect(FORMAT_VERSION).toBe(1)
  })

  it('round-trips every invalidation', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 2 ** 40 }), (sent, seq) => {
        expect(decodeMessage(encodeInvalidation('origin01', seq, sent))).toEqual({
          kind: 'invalidation', origin: 'origin01', seq, message: sent,
        })
      }),
    )
    expect(decodeMessage(encodePing('abc', 3))).toEqual({ kind: 'ping', origin: 'abc', seq: 3 })
  })

  it('reads anything it cannot understand as unreadable (applied as a full invalidation), never throws', () => {
    const bad = [
      '', 'hello', '1', '1:o', '1:o:1', '1:o:x:i:1:2', '1:o:1:i:1', '1:o:1:i:0:2', '1:o:1:i:1:', '1:o:1:i:1:2,,3',
      '1:o:1:i:1:02', '1:o:1:i:1:-2', '1:o:1:i:1:2.5', '1:o:1:i:1:1e3', '1:o:1:i:1:9007199254740993', '1:o:1:t:1:2',
      '1:o:1:a:1', '1:o:1:z', '1::1:a', '1:o:01:a', '2:o:1:i:1:2', '2:o:1:a', 'v1:o:1:a',
    ]
    for (const text of bad) expect(decodeMessage(text).kind, text).toBe('unreadable')
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(['ping', 'invalidation', 'unreadable']).toContain(decodeMessage(text).kind)
      }),
    )
  })

  it('says why a message is unreadable, field by field', () => {
    const reasons: readonly (readonly [string, string])[] = [
      ['2:o:1:i:1:2', 'version "2"'],
      ['v1:o:1:a', 'version "v1"'],
      ['1::1:a', 'malformed header'],
      ['1:o:x:a', 'malformed header'],
      ['1:o:1:i:1:2,0', 'malformed id'],
      ['1:o:1:i:1:0', 'malformed id'],
      ['1:o:1:p:x', 'malformed body'],
      ['1:o:1:i:1:2:3', 'malformed body'],
      ['1:o:1:t:0', 'malformed body'],
    ]
    for (const [text, reason] of reasons) expect(decodeMessage(text), text).toEqual({ kind: 'unreadable', reason })
  })

  it('reads a sequence number of 0 (senders start at 1; the header takes any safe integer from 0)', () => {
    expect(decodeMessage(encodeInvalidation('o', 0, { kind: 'all' }))).toEqual({ kind: 'invalidation', origin: 'o', seq: 0, message: { kind: 'all' } })
  })

  it("ignores a newer version's pings rather than flushing on each", () => {
    expect(decodeMessage('2:other:5:p').kind).toBe('ping')
  })
})
