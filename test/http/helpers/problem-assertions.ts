import { expect } from 'vitest'
import type { Reply } from './servers.js'

export const PROBLEM_BASE = 'urn:contact-repository:problem:'

/** Checks the shape every problem response shares, and returns its body. */
export function expectProblem(reply: Reply, status: number, kind: string): Record<string, unknown> {
  expect({ status: reply.status, contentType: reply.headers.get('content-type') }).toEqual({
    status,
    contentType: 'application/problem+json',
  })
  const body = reply.body as Record<string, unknown>
  expect(body).toMatchObject({ type: `${PROBLEM_BASE}${kind}`, status })
  expect(typeof body.title).toBe('string')
  expect(typeof body.detail).toBe('string')
  expect(body.request_id).toBe(reply.headers.get('x-request-id'))
  expect(body.request_id).toMatch(/^[\x21-\x7e]{1,128}$/)
  return body
}

/** The `field` and `code` of each `errors[]` entry, in order. */
export function fieldsOf(body: Record<string, unknown>): { field: string; code: string }[] {
  const errors = body.errors as { field: string; code: string; message: string }[]
  for (const error of errors) expect(error.message.length).toBeGreaterThan(0)
  return errors.map(({ field, code }) => ({ field, code }))
}
