/*
 * HTTP servers of bench/scenarios/http.ts: the get-many endpoint through one adapter
 * (node:http, Express, Fastify) on the demo's database with the 5 IDs cached, or a bare endpoint
 * of the same framework answering the same bytes from a Map. The full run starts one process per
 * server, so that a server's CPU time is its own and no other contender trained its JIT; the
 * quick run puts all of them in one to save the start-ups. Tells the ports over IPC, then
 * answers `cpu-start` / `cpu-stop` with the CPU time the process spent and the requests it
 * served in between.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { ContactRepository, type Contact } from 'contact-repository'
import { createExpressGetManyHandler } from 'contact-repository/express'
import { createFastifyGetManyPlugin } from 'contact-repository/fastify'
import type { GetManyAuth } from 'contact-repository/http'
import { createNodeHttpGetManyHandler } from 'contact-repository/node-http'
import { openDemoDatabase } from '../../examples/demo/demo-database.js'
import { authenticateDemoToken } from '../../examples/demo/demo-tokens.js'
import {
  HTTP_BENCH_IDS,
  HTTP_BENCH_PATH,
  serverKey,
  type HttpContenderKind,
  type HttpFramework,
  type HttpServerProbeInput,
  type ProbeMessage,
  type ProbeReply,
} from '../lib/http-bench.js'
import { probeInput } from '../lib/run-probe.js'

const { servers: wanted } = probeInput() as HttpServerProbeInput
const database = await openDemoDatabase(undefined, 'contacts')
const repository = new ContactRepository({ db: database.db, table: database.table })
// Cached before the first request: the endpoint is measured, not SQLite.
const { rows } = await repository.getMany(1, HTTP_BENCH_IDS)
const contacts = new Map<number, Contact>(rows.map((contact) => [contact.id, contact]))

/** What a hand-written endpoint does: the same caller check, the IDs from a Map, the same JSON. */
function bareAnswer(auth: GetManyAuth | undefined, body: unknown): { status: number; headers: Record<string, string>; text: string } {
  const requestId = randomUUID()
  if (auth === undefined || !(auth.scopes as readonly string[]).includes('contacts:read')) {
    return { status: 403, headers: { 'content-type': 'application/json' }, text: '{}' }
  }
  const ids = (body as { ids: number[] }).ids
  const data: Contact[] = []
  for (const id of ids) {
    const contact = contacts.get(id)
    if (contact !== undefined) data.push(contact)
  }
  const text = JSON.stringify({
    data,
    meta: { request_id: requestId, pagination: { cursor: null, has_more: false, count: data.length }, requested: ids.length, returned: data.length },
  })
  return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': requestId }, text }
}

function writeBare(response: ServerResponse, answer: ReturnType<typeof bareAnswer>): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.text)) })
  response.end(answer.text)
}

const routed = (request: IncomingMessage): boolean => request.method === 'POST' && request.url === HTTP_BENCH_PATH

async function listen(framework: HttpFramework, kind: HttpContenderKind): Promise<Server> {
  if (framework === 'fastify') {
    const app = Fastify()
    if (kind === 'adapter') {
      await app.register(createFastifyGetManyPlugin(repository, { authenticate: (request) => authenticateDemoToken(request.raw) }))
    } else {
      app.post(HTTP_BENCH_PATH, (request, reply) => {
        const answer = bareAnswer(authenticateDemoToken(request.raw), request.body)
        return reply.code(answer.status).headers(answer.headers).send(Buffer.from(answer.text))
      })
    }
    await app.listen({ host: '127.0.0.1', port: 0 })
    return app.server
  }
  let server: Server
  if (framework === 'express') {
    const app = express()
    if (kind === 'adapter') {
      app.post(HTTP_BENCH_PATH, createExpressGetManyHandler(repository, { authenticate: authenticateDemoToken }))
    } else {
      app.post(HTTP_BENCH_PATH, express.json(), (request, response) => {
        writeBare(response, bareAnswer(authenticateDemoToken(request), request.body))
      })
    }
    server = createServer(app)
  } else if (kind === 'adapter') {
    const getMany = createNodeHttpGetManyHandler(repository, { authenticate: authenticateDemoToken })
    server = createServer((request, response) => {
      if (routed(request)) void getMany(request, response)
      else response.writeHead(404).end()
    })
  } else {
    server = createServer((request, response) => {
      if (!routed(request)) {
        response.writeHead(404).end()
        return
      }
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        writeBare(response, bareAnswer(authenticateDemoToken(request), JSON.parse(Buffer.concat(chunks).toString('utf8'))))
      })
    })
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

const servers = new Map<string, Server>()
for (const { framework, kind } of wanted) servers.set(serverKey(framework, kind), await listen(framework, kind))
let served = 0
for (const server of servers.values()) server.on('request', () => { served++ })
let cpu = process.cpuUsage()
const reply = (message: ProbeReply): void => { process.send?.(message) }
process.on('message', (message: ProbeMessage) => {
  if (message.type === 'cpu-start') {
    served = 0
    cpu = process.cpuUsage()
    reply({ type: 'cpu-started' })
  } else if (message.type === 'cpu-stop') {
    const { user, system } = process.cpuUsage(cpu)
    reply({ type: 'cpu', micros: user + system, served })
  } else {
    for (const server of servers.values()) {
      server.closeAllConnections()
      server.close()
    }
    void repository.close().then(() => database.db.destroy()).then(() => process.exit(0))
  }
})
const ports: Record<string, number> = {}
for (const [key, server] of servers) ports[key] = (server.address() as AddressInfo).port
reply({ type: 'ready', ports })
