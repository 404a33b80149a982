import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ContactRepository } from 'contact-repository'
import { createNodeHttpGetManyHandler } from 'contact-repository/node-http'
import { openDemoDatabase } from './demo-database.js'
import { authenticateDemoToken } from './demo-tokens.js'

/*
 * `npm start`: the get-many endpoint on 127.0.0.1, on SQLite in memory (no database server
 * needed) or on MySQL/MariaDB when MYSQL_URL is set.
 *
 *   PORT            port to listen on (default 3000; 0 picks a free one)
 *   MYSQL_URL       e.g. mysql://root@127.0.0.1:3306/test; the table is created and seeded if empty
 *   CONTACTS_TABLE  table to use (default contacts)
 *
 * Routes: POST /contacts/get-many (the endpoint), GET /stats (the repository's cache counters).
 */

const port = Number(process.env.PORT ?? 3000)
const database = await openDemoDatabase(process.env.MYSQL_URL, process.env.CONTACTS_TABLE ?? 'contacts')
const repository = new ContactRepository({ db: database.db, table: database.table })
const getMany = createNodeHttpGetManyHandler(repository, {
  authenticate: authenticateDemoToken,
  // A real service sends this to its logger; the client only sees the request_id.
  onError: (error, { requestId, status }) => {
    const code = (error as { code?: unknown } | null)?.code
    console.error(`[${requestId}] answered ${status}: ${typeof code === 'string' ? code : String(error)}`)
  },
})

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`)
}

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname
  if (path === '/contacts/get-many' && request.method === 'POST') {
    void getMany(request, response)
  } else if (path === '/stats' && request.method === 'GET') {
    const { hits, negativeHits, misses, queries, rowsFetched, entries } = repository.stats()
    sendJson(response, 200, { hits, negativeHits, misses, queries, rowsFetched, entries })
  } else {
    sendJson(response, 404, { error: 'Try POST /contacts/get-many or GET /stats' })
  }
})

await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
const { port: actualPort } = server.address() as AddressInfo
const base = `http://127.0.0.1:${actualPort}`
const curl = (token: string, ids: string): string =>
  `curl -si -X POST ${base}/contacts/get-many -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '${ids}'`

console.log(`contact-repository demo on ${base} (${database.description})`)
if (!database.seeded) console.log('The table was not empty, so it was not seeded: the IDs below may not exist in it.')
console.log(`
Tokens: demo-tenant-1 and demo-tenant-2 (scope contacts:read), demo-no-scope (tenant 1, no contacts:read).
Paste these:

# 200: tenant 1's contacts 3 and 1, in that order; 6 is tenant 2's and 99 does not exist (requested 4, returned 2)
${curl('demo-tenant-1', '{"ids":[3,1,6,99]}')}
# 200: the same IDs again, answered from the cache without a query
${curl('demo-tenant-1', '{"ids":[3,1,6,99]}')}
# 200: tenant 2 sees its own contact 6
${curl('demo-tenant-2', '{"ids":[6,1]}')}
# 403: the token lacks the contacts:read scope
${curl('demo-no-scope', '{"ids":[1]}')}
# 422: each problem names its field (ids[1], ids[2]) and has a stable code
${curl('demo-tenant-1', '{"ids":[1,"2",0]}')}
# 200: the cache at work: hits, misses and queries so far
curl -s ${base}/stats
`)

let stopping = false
function shutdown(signal: NodeJS.Signals): void {
  if (stopping) {
    console.error(`${signal} again: exiting at once`)
    process.exit(1)
  }
  stopping = true
  console.log(`${signal}: shutting down`)
  server.close()
  server.closeAllConnections()
  void repository
    .close()
    .then(() => database.db.destroy())
    .then(() => { console.log('stopped') })
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
