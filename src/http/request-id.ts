import { randomUUID } from 'node:crypto'

/** 1 to 128 visible ASCII characters (`!` to `~`): safe to echo in a header and a log line. */
const USABLE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/

/** Whether `value` may be reused as a request ID. */
function isUsableRequestId(value: unknown): value is string {
  return typeof value === 'string' && USABLE_REQUEST_ID.test(value)
}

/**
 * The request ID of a response: the incoming `X-Request-Id` when it is usable, otherwise a
 * fresh one from `generate` (or a UUID, should `generate` return something unusable). A header
 * sent twice arrives as an array (or, from node:http, joined with ", "): not one ID, so replaced.
 */
export function resolveRequestId(incoming: unknown, generate: () => string): string {
  if (isUsableRequestId(incoming)) return incoming
  const generated = generate()
  return isUsableRequestId(generated) ? generated : randomUUID()
}
