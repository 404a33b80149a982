import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import type { GetManyAdapterOptions, GetManyAuth, GetManyRepository } from '../../../src/http/index.js'
import { createExpressGetManyHandler } from '../../../src/http/adapters/express.js'
import { createFastifyGetManyPlugin } from '../../../src/http/adapters/fastify.js'
import { createNodeHttpGetManyHandler } from '../../../src/http/adapters/node-http.js'

export type AdapterName = 'node-http' | 'express' | 'fastify'
export const ADAPTERS: readonly AdapterName[] = ['node-http', 'express', 'fastify']

export const PATH = '/contacts/get-many'

/** Bearer tokens the test servers accept. */
export const TOKENS: Readonly<Record<string, GetManyAuth>> = {
  'tenant-1': { tenantId: 1, scopes: ['contacts:read'] },
  'tenant-2': { tenantId: 2, scopes: ['contacts:read', 'contacts:write'] },
  'no-scope': { tenantId: 1, scopes: ['contacts:write'] },
}

/** Reads the caller from `Authorization: Bearer <token>`; any framework request has `headers`. */
export function authenticateBearer(request: Pick<IncomingMessage, 'headers'>): GetManyAuth | undefined {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')
  return match === null ? undefined : TOKENS[match[1]!]
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly url: string
  close(): Promise<void>
}

export type TestAdapterOptions = Omit<GetManyAdapterOptions<unknown>, 'authenticate'> & {
  /** Default: {@link authenticateBearer}. */
  readonly authenticate?: (request: Pick<IncomingMessage, 'headers'>) => GetManyAuth | null | undefined
  /** Express only: mount `express.json()` in front, as an app may already do. */
  readonly expressJsonFirst?: boolean
}

/** Starts a real server on 127.0.0.1 serving the endpoint through `adapter`. */
export async function startServer(
  adapter: AdapterName,
  repository: GetManyRepository,
  options: TestAdapterOptions = {},
): Promise<RunningServer> {
  const { expressJsonFirst = false, ...rest } = options
  const adapterOptions = { authenticate: authenticateBearer, ...rest }
  if (adapter === 'fastify') {
    const app = Fastify()
    await app.register(createFastifyGetManyPlugin(repository, adapterOptions))
    // Another route of the same app keeps Fastify's own JSON parsing.
    app.post('/echo', (request) => ({ echoed: request.body }))
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as AddressInfo
    return running(port, () => app.close())
  }
  let server: Server
  if (adapter === 'express') {
    const app = express()
    if (expressJsonFirst) app.use(express.json())
    app.post(PATH, createExpressGetManyHandler(repository, adapterOptions))
    server = createServer(app)
  } else {
    const handler = createNodeHttpGetManyHandler(repository, adapterOptions)
    server = createServer((request, response) => {
      if (request.method === 'POST' && request.url === PATH) void handler(request, response)
      else response.writeHead(404).end()
    })
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return running(port, () => new Promise<void>((resolve, reject) => {
    server.close((error) => { if (error) reject(error); else resolve() })
    server.closeAllConnections()
  }))
}

function running(port: number, close: () => Promise<void>): RunningServer {
  const origin = `http://127.0.0.1:${port}`
  return { origin, url: `${origin}${PATH}`, close }
}

export interface PostOptions {
  /** Bearer token, default `tenant-1`; `null` sends no Authorization header. */
  readonly token?: string | null
  /** Default `application/json`; `null` sends no Content-Type at all. */
  readonly contentType?: string | null
  readonly requestId?: string
  readonly headers?: Record<string, string>
}

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The body parsed as JSON. */
  readonly body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read it freely
}

/** POSTs a raw body (sent exactly as given) and reads the whole answer. */
export async function post(url: string, body: string | Uint8Array | ReadableStream<Uint8Array>, options: PostOptions = {}): Promise<Reply> {
  const { token = 'tenant-1', contentType = 'application/json', requestId, headers = {} } = options
  const init: RequestInit & { duplex?: 'half' } = {
    method: 'POST',
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(contentType === null ? {} : { 'content-type': contentType }),
      ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
      ...headers,
    },
    // fetch labels a string body text/plain; bytes go out without a Content-Type.
    body: contentType === null && typeof body === 'string' ? new TextEncoder().encode(body) : body,
  }
  if (body instanceof ReadableStream) init.duplex = 'half'
  const response = await fetch(url, init)
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: response.status, headers: response.headers, text, body: parsed }
}
