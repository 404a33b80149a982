// The get-many endpoint in a Fastify 5 app. Run: MYSQL_URL=mysql://root@127.0.0.1:3306/test npx tsx examples/fastify/server.ts
import Fastify from 'fastify'
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { ContactRepository, type ContactsDatabase } from 'contact-repository'
import { createFastifyGetManyPlugin } from 'contact-repository/fastify'
import type { GetManyAuth } from 'contact-repository/http'

const db = new Kysely<ContactsDatabase>({
  dialect: new MysqlDialect({ pool: createPool({ uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' }) }),
})
const contacts = new ContactRepository({ db })

// Stand-in for your authentication: verify the token, return the tenant and scopes it grants.
const TOKENS = new Map<string, GetManyAuth>([['example-token', { tenantId: 1, scopes: ['contacts:read'] }]])

const app = Fastify({ logger: true })
// The plugin registers POST /contacts/get-many in its own context; other routes keep their parsers.
await app.register(
  createFastifyGetManyPlugin(contacts, {
    authenticate: (request) => TOKENS.get(request.headers.authorization?.replace(/^Bearer /, '') ?? ''),
    onError: (error, { requestId, status }) => { app.log.error({ err: error, requestId, status }, 'get-many failed') },
  }),
)
app.addHook('onClose', async () => {
  await contacts.close()
  await db.destroy()
})

await app.listen({ host: '127.0.0.1', port: 3000 })
process.once('SIGTERM', () => { void app.close() })
