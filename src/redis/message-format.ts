import type { InvalidationMessage, SourceStatus } from '../invalidation/invalidation-bus.js'

/**
 * The text every bus writes on the channel, one Redis message per invalidation:
 *
 * ```text
 * <version>:<origin>:<seq>:<kind>[:<tenantId>[:<id>,<id>,...]]
 * 1:Xk3_a9Qz:17:i:42:1001,1002     the tenant 42's contacts 1001 and 1002
 * 1:Xk3_a9Qz:18:t:42               every contact of tenant 42
 * 1:Xk3_a9Qz:19:a                  everything
 * 1:Xk3_a9Qz:20:p                  a heartbeat ping (only its sender listens for it)
 * ```
 *
 * `origin` names the sending bus (8 base64url characters) and `seq` counts its messages,
 * pings included; neither is used to drop anything, they only tell a bus its own messages
 * and make traces readable. Numbers are decimal with no sign, no leading zero, at most 2^53-1.
 *
 * A bus created with `sourceTimeout` also listens on a second channel, `<channel>:source`, where
 * an invalidation source (the binlog tailer) announces its health in the same header format:
 *
 * ```text
 * 1:Xk3_a9Qz:21:s:7:h              source with fencing token 7 is healthy
 * 1:Xk3_a9Qz:22:s:7:u              ... is not (down, stalled or behind)
 * ```
 *
 * Buses without `sourceTimeout` never subscribe to it, so older versions never see these.
 *
 * Compatibility: the first four fields keep their meaning in every version. A bus that meets
 * a version it does not know ignores its pings and applies anything else as a full
 * invalidation, which is always safe; during a rolling upgrade, publish the old version until
 * every instance reads the new one.
 */
export const FORMAT_VERSION = 1

const PREFIX = `${FORMAT_VERSION}:`

/** What a message on the channel turned out to be. */
export type WireMessage =
  | { readonly kind: 'ping'; readonly origin: string; readonly seq: number }
  | {
      readonly kind: 'invalidation'
      readonly origin: string
      readonly seq: number
      readonly message: InvalidationMessage
    }
  /** Not readable by this version (or malformed): to be applied as a full invalidation. */
  | { readonly kind: 'unreadable'; readonly reason: string }

/** Encodes an invalidation; the caller has checked the IDs. */
export function encodeInvalidation(origin: string, seq: number, message: InvalidationMessage): string {
  switch (message.kind) {
    case 'ids':
      return `${PREFIX}${origin}:${seq}:i:${message.tenantId}:${message.ids.join(',')}`
    case 'tenant':
      return `${PREFIX}${origin}:${seq}:t:${message.tenantId}`
    case 'all':
      return `${PREFIX}${origin}:${seq}:a`
  }
}

/** Encodes a heartbeat ping. */
export function encodePing(origin: string, seq: number): string {
  return `${PREFIX}${origin}:${seq}:p`
}

/** Encodes a source's health announcement for the `<channel>:source` channel. */
export function encodeSourceStatus(origin: string, seq: number, status: SourceStatus): string {
  return `${PREFIX}${origin}:${seq}:s:${status.token}:${status.healthy ? 'h' : 'u'}`
}

/**
 * Decodes a message of the `<channel>:source` channel; never throws. Anything unreadable
 * (another version included) reads as `undefined` and is ignored: without a readable healthy
 * announcement within `sourceTimeout`, listeners stop trusting, so doubt is never trust.
 */
export function decodeSourceStatus(text: string): { readonly origin: string; readonly status: SourceStatus } | undefined {
  const fields = text.split(':')
  const [version, origin, seqText, kind, tokenText, state] = fields
  if (version !== String(FORMAT_VERSION) || fields.length !== 6 || kind !== 's') return undefined
  const token = parseId(tokenText, true)
  if (origin === undefined || origin === '' || parseId(seqText, true) === undefined || token === undefined) return undefined
  if (state !== 'h' && state !== 'u') return undefined
  return { origin, status: { token, healthy: state === 'h' } }
}

/** Decodes a message from the channel; never throws. */
export function decodeMessage(text: string): WireMessage {
  const fields = text.split(':')
  const [version, origin, seqText, kind, tenantText, idsText] = fields
  if (version !== String(FORMAT_VERSION)) {
    // Another version's ping concerns only its sender; anything else may be an invalidation.
    // A kind in the fourth field means there is an origin in the second.
    if (kind === 'p') return { kind: 'ping', origin: origin as string, seq: 0 }
    return { kind: 'unreadable', reason: `version ${JSON.stringify(version)}` }
  }
  const seq = parseId(seqText, true)
  if (origin === undefined || origin === '' || seq === undefined) {
    return { kind: 'unreadable', reason: 'malformed header' }
  }
  if (kind === 'p' && fields.length === 4) return { kind: 'ping', origin, seq }
  if (kind === 'a' && fields.length === 4) return { kind: 'invalidation', origin, seq, message: { kind: 'all' } }
  const tenantId = parseId(tenantText, false)
  if (tenantId !== undefined) {
    if (kind === 't' && fields.length === 5) {
      return { kind: 'invalidation', origin, seq, message: { kind: 'tenant', tenantId } }
    }
    if (kind === 'i' && fields.length === 6 && idsText !== undefined) {
      const parts = idsText.split(',')
      const ids: number[] = []
      for (const part of parts) {
        const id = parseId(part, false)
        if (id === undefined) return { kind: 'unreadable', reason: 'malformed id' }
        ids.push(id)
      }
      return { kind: 'invalidation', origin, seq, message: { kind: 'ids', tenantId, ids } }
    }
  }
  return { kind: 'unreadable', reason: 'malformed body' }
}

const DIGITS = /^(0|[1-9][0-9]{0,15})$/

// Strict: exactly what `String(n)` writes for a safe integer, so nothing is ever coerced.
function parseId(text: string | undefined, allowZero: boolean): number | undefined {
  if (text === undefined || !DIGITS.test(text)) return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value) || (value === 0 && !allowZero)) return undefined
  return value
}
