import type { ServerResponse } from 'node:http'
import type { SerializedAnswer } from './serve-get-many-request.js'

/** Writes an answer to a Node response (node:http, and Express, whose response is one). */
export function sendNodeResponse(response: ServerResponse, answer: SerializedAnswer): void {
  // The client may be gone by now; there is nobody left to answer.
  if (response.headersSent || response.destroyed) return
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.text)) })
  response.end(answer.text)
}
