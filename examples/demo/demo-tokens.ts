import type { IncomingMessage } from 'node:http'
import type { GetManyAuth } from 'contact-repository/http'

/**
 * The demo's bearer tokens. A real host verifies a token (a JWT, a session) and reads the
 * tenant and scopes from it; the endpoint only needs the result.
 */
export const DEMO_TOKENS: Readonly<Record<string, GetManyAuth>> = {
  'demo-tenant-1': { tenantId: 1, scopes: ['contacts:read'] },
  'demo-tenant-2': { tenantId: 2, scopes: ['contacts:read'] },
  'demo-no-scope': { tenantId: 1, scopes: ['contacts:write'] },
}

/** `Authorization: Bearer <token>` to the caller, or `undefined` (answered 401). */
export function authenticateDemoToken(request: IncomingMessage): GetManyAuth | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')
  return match?.[1] === undefined ? undefined : DEMO_TOKENS[match[1]]
}
