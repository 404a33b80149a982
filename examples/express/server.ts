// The get-many endpoint in an Express 5 app. Run: MYSQL_URL=mysql://root@127.0.0.1:3306/test npx tsx examples/express/server.ts
import express from 'express'
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { ContactRepository, type ContactsDatabase } from 'contact-repository'
import { createExpressGetManyHandler } from 'contact-repository/express'
import type { GetManyAuth } from 'contact-repository/http'

const db = new Kysely<ContactsDatabase>({
  dialect: new MysqlDialect({ pool: createPool({ uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' }) }),
})
const contacts = new ContactRepository({ db })

// Stand-in for your authentication: verify the token, return the tenant and scopes it grants.
const TOKENS = new Map<string, GetManyAuth>([['example-token', { tenantId: 1, scopes: ['contacts:read'] }]])

const app = express()
// No body parser in front of this route: the handler reads the body itself, with its limits.
app.post(
  '/contacts/get-many',
  createExpressGetManyHandler(contacts, {
    authenticate: (req) => TOKENS.get(req.get('authorization')?.replace(/^Bearer /, '') ?? ''),
    onError: (error, { requestId, status }) => { console.error({ requestId, status, error }) },
  }),
)

const server = app.listen(3000, '127.0.0.1', () => { console.log('listening on http://127.0.0.1:3000') })
process.once('SIGTERM', () => {
  server.close(() => { void contacts.close().then(() => db.destroy()) })
})
