import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { GetManyProblemKind } from './problem-kinds.js'

/** Limits applied while reading a request body. */
export interface JsonBodyLimits {
  /** Most bytes accepted. */
  readonly bodyLimit: number
  /** Deepest nesting of arrays and objects accepted. */
  readonly maxDepth: number
}

/** The parsed body, or why it was refused (the endpoint answers that as a problem). */
export type BodyRead =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false
      readonly kind: Extract<GetManyProblemKind, 'unsupported-media-type' | 'body-too-large' | 'malformed-body'>
      readonly detail: string
    }

const NOT_JSON: BodyRead = Object.freeze({
  ok: false,
  kind: 'unsupported-media-type',
  detail: 'Send the body as JSON, with "Content-Type: application/json".',
})
const UNREADABLE: BodyRead = Object.freeze({ ok: false, kind: 'malformed-body', detail: 'The request body could not be read completely.' })
const NOT_UTF8: BodyRead = Object.freeze({ ok: false, kind: 'malformed-body', detail: 'The request body is not valid UTF-8.' })
const EMPTY: BodyRead = Object.freeze({ ok: false, kind: 'malformed-body', detail: 'The request body is empty; send {"ids": [...]}.' })
const NOT_VALID_JSON: BodyRead = Object.freeze({ ok: false, kind: 'malformed-body', detail: 'The request body is not valid JSON.' })

// One decoder for every request: without `stream`, each decode() starts afresh. `fatal`
// refuses invalid UTF-8 instead of replacing it; a byte order mark is dropped, as RFC 8259 allows.
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Whether a `Content-Type` announces JSON: `application/json`, with no charset or UTF-8
 * (JSON has no other encoding since RFC 8259).
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === 'application/json') return true
  if (header === undefined) return false
  const [type = '', ...parameters] = header.split(';')
  if (type.trim().toLowerCase() !== 'application/json') return false
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=')
    if (name.trim().toLowerCase() !== 'charset') continue
    if (value.trim().replace(/^"(.*)"$/, '$1').toLowerCase() !== 'utf-8') return false
  }
  return true
}

/**
 * Reads and parses a JSON request body with limits, in this order: the content type (415),
 * a declared `Content-Length` over the limit (413, nothing read), the bytes as they arrive
 * (413 as soon as the limit is passed; the rest is left unread), UTF-8, the nesting depth and
 * the syntax (400). Parsing never sees more than `bodyLimit` bytes.
 *
 * It listens to the stream's events rather than iterating it: `for await` over a request
 * costs several promises per chunk, a measurable share of a cached request's time.
 */
export function readJsonBody(
  stream: Readable,
  headers: IncomingHttpHeaders,
  limits: JsonBodyLimits,
): BodyRead | Promise<BodyRead> {
  if (!isJsonContentType(headers['content-type'])) return NOT_JSON
  const { bodyLimit, maxDepth } = limits
  if (Number(headers['content-length']) > bodyLimit) return tooLarge(bodyLimit)
  // Read already (by a middleware that kept nothing), or gone: no event would ever come.
  if (stream.readableEnded) return EMPTY
  if (stream.destroyed) return UNREADABLE
  return new Promise<BodyRead>((resolve) => {
    let first: Buffer | undefined
    let more: Buffer[] | undefined
    let size = 0
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += bytes.length
      if (size > bodyLimit) {
        // Stop reading: the socket stops too, and the adapter closes the connection.
        stream.pause()
        finish(tooLarge(bodyLimit))
      } else if (first === undefined) {
        first = bytes
      } else {
        ;(more ??= [first]).push(bytes)
      }
    }
    // Settled once. The reader then stops taking 'data', so that whoever resumes the stream
    // afterwards (a framework draining it) never makes it buffer the rest of a large body. The
    // other listeners stay: a later 'close' or 'error' changes nothing, and an 'error' with no
    // listener at all would be thrown.
    const finish = (read: BodyRead): void => {
      stream.off('data', onData)
      resolve(read)
    }
    stream.on('data', onData)
    stream.on('end', () => { finish(parseJsonBody(more === undefined ? first : Buffer.concat(more, size), maxDepth)) })
    // An error, or 'close' before 'end': the client went away mid-body.
    const unreadable = (): void => { finish(UNREADABLE) }
    stream.on('error', unreadable)
    stream.on('close', unreadable)
  })
}

/** Decodes and parses a body read in full, with the checks of {@link readJsonBody}. */
function parseJsonBody(bytes: Uint8Array | undefined, maxDepth: number): BodyRead {
  let text: string
  try {
    // No bytes at all (no 'data' event) decode as ''.
    text = utf8.decode(bytes)
  } catch {
    return NOT_UTF8
  }
  if (text.trim() === '') return EMPTY
  if (nestsDeeperThan(text, maxDepth)) {
    return {
      ok: false,
      kind: 'malformed-body',
      detail: `The request body nests arrays or objects more than ${maxDepth} levels deep.`,
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return NOT_VALID_JSON
  }
}

function tooLarge(bodyLimit: number): BodyRead {
  return {
    ok: false,
    kind: 'body-too-large',
    detail: `The request body is larger than ${bodyLimit} bytes; a get-many request needs far less.`,
  }
}

/**
 * Whether `[` and `{` outside strings nest more than `limit` deep, stopping at the first that
 * does. Checked before `JSON.parse` so that no later step (validation, logging) meets a
 * pathological value. Unbalanced text is left to `JSON.parse` to refuse.
 */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}
