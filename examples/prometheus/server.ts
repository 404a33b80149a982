/**
 * A /metrics endpoint for a ContactRepository over MySQL/MariaDB:
 *
 *   MYSQL_URL=mysql://app@127.0.0.1:3306/app CONTACTS_TABLE=contacts npx tsx examples/prometheus/server.ts
 *   curl -s localhost:9464/metrics | grep contact_repository_
 *
 * It expects the table of `src/contacts/contacts.sql` (it creates nothing) and reads a few IDs once
 * a second so that the metrics move. Stop it with Ctrl-C.
 */
import { createServer } from 'node:http'
import { Kysely } from 'kysely'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { ContactRepository } from 'contact-repository'
import { createMysqlDialect } from 'contact-repository/mysql'
import { registerContactRepositoryMetrics } from './contact-repository-metrics.js'

const dialect = createMysqlDialect({
  connection: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  connectionLimit: 10,
})
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name comes from the environment
const db = new Kysely<any>({ dialect })
const repository = new ContactRepository({ db, table: process.env.CONTACTS_TABLE ?? 'contacts', maxConcurrentQueries: 8 })

const registry = new Registry()
collectDefaultMetrics({ register: registry })
const stopMetrics = registerContactRepositoryMetrics({ repository, registry, dialect })

const server = createServer((request, response) => {
  if (request.url !== '/metrics') {
    response.writeHead(404).end()
    return
  }
  registry.metrics().then(
    (body) => {
      response.writeHead(200, { 'content-type': registry.contentType }).end(body)
    },
    (error: unknown) => {
      response.writeHead(500).end(String(error))
    },
  )
})
const port = Number(process.env.PORT ?? 9464)
server.listen(port, () => {
  console.log(`metrics on http://localhost:${port}/metrics`)
})

const traffic = setInterval(() => {
  const tenantId = 1 + Math.floor(Math.random() * 10)
  repository.getMany(tenantId, [1, 2, 3]).catch((error: unknown) => {
    console.error('getMany failed:', error)
  })
}, 1_000)

process.once('SIGINT', () => {
  clearInterval(traffic)
  stopMetrics()
  server.close()
  void repository.close().then(() => db.destroy())
})
