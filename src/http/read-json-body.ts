import type { IncomingHttpHeaders } from 'node:http'

/** Limits applied while reading a request body. */
export interface JsonBodyLimits {
  /** Most bytes accepted. */
  readonly bodyLimit: number
  /** Deepest nesting of arrays and objects accepted. */
  readonly maxDepth: number
}

/** The parsed body, or why it was refused (an adapter turns that into a problem response). */
export type JsonBodyResult =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false
      readonly kind: 'unsupported-media-type' | 'body-too-large' | 'malformed-body'
      readonly detail: string
      /** Whether bytes of the body were left unread (the connection should then be closed). */
      readonly unread: boolean
    }

/**
 * Whether a `Content-Type` announces JSON: `application/json`, with no charset or UTF-8
 * (JSON has no other encoding since RFC 8259).
 */
function isJsonContentType(header: string | undefined): boolean {
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
 * (413 as soon as the limit is passed; the rest is not read), UTF-8, the nesting depth and
 * the syntax (400). Parsing never sees more than `bodyLimit` bytes.
 */
export async function readJsonBody(
  stream: AsyncIterable<unknown>,
  headers: IncomingHttpHeaders,
  limits: JsonBodyLimits,
): Promise<JsonBodyResult> {
  const { bodyLimit, maxDepth } = limits
  if (!isJsonContentType(headers['content-type'])) {
    return refuse('unsupported-media-type', 'Send the body as JSON, with "Content-Type: application/json".', true)
  }
  const tooLarge = `The request body is larger than ${bodyLimit} bytes; a get-many request needs far less.`
  const declared = Number(headers['content-length'])
  if (declared > bodyLimit) return refuse('body-too-large', tooLarge, true)

  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      size += bytes.length
      if (size > bodyLimit) return refuse('body-too-large', tooLarge, true)
      chunks.push(bytes)
    }
  } catch {
    return refuse('malformed-body', 'The request body could not be read completely.', true)
  }

  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, size))
  } catch {
    return refuse('malformed-body', 'The request body is not valid UTF-8.', false)
  }
  if (text.trim() === '') return refuse('malformed-body', 'The request body is empty; send {"ids": [...]}.', false)
  if (nestingDepth(text, maxDepth) > maxDepth) {
    return refuse('malformed-body', `The request body nests arrays or objects more than ${maxDepth} levels deep.`, false)
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return refuse('malformed-body', 'The request body is not valid JSON.', false)
  }
}

function refuse(
  kind: 'unsupported-media-type' | 'body-too-large' | 'malformed-body',
  detail: string,
  unread: boolean,
): JsonBodyResult {
  return { ok: false, kind, detail, unread }
}

/**
 * The deepest nesting of `[` and `{` outside strings, stopping once past `limit`. Checked
 * before `JSON.parse` so that no later step (validation, logging) meets a pathological value.
 */
function nestingDepth(text: string, limit: number): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      depth++
      if (depth > deepest) {
        deepest = depth
        if (deepest > limit) break
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return deepest
}
