// The consumer smoke test's application (scripts/consumer-smoke-test.sh): it installs the
// packed tarball in an empty directory, type-checks this file with moduleResolution node16 and
// bundler (skipLibCheck off), compiles it, and runs it against MariaDB. Here in the repository
// it is type-checked against src/ as well.
import { Kysely, sql } from 'kysely'
import { ContactRepository, createContactsTable, type Contact, type ContactsDatabase } from 'contact-repository'
import { createMysqlDialect } from 'contact-repository/mysql'
import { createRedisInvalidationBus } from 'contact-repository/redis'
import { createBinlogInvalidationSource, redisCheckpointStore } from 'contact-repository/binlog'
import { createGetManyHandler, createGetManyOpenApiDocument, type GetManyAuth } from 'contact-repository/http'
import { createNodeHttpGetManyHandler } from 'contact-repository/node-http'
import { createExpressGetManyHandler } from 'contact-repository/express'
import { createFastifyGetManyPlugin } from 'contact-repository/fastify'

const subpaths: Record<string, unknown> = {
  createRedisInvalidationBus,
  createBinlogInvalidationSource,
  redisCheckpointStore,
  createGetManyHandler,
  createNodeHttpGetManyHandler,
  createExpressGetManyHandler,
  createFastifyGetManyPlugin,
}
for (const [name, value] of Object.entries(subpaths)) {
  if (typeof value !== 'function') throw new Error(`${name} is not a function`)
}
const document = createGetManyOpenApiDocument()
if (document.openapi !== '3.1.0') throw new Error('unexpected OpenAPI document')

const table = `smoke_contacts_${process.pid}`
const db = new Kysely<ContactsDatabase & Record<string, ContactsDatabase['contacts']>>({
  dialect: createMysqlDialect({ connection: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test', connectionLimit: 2 }),
})
try {
  await createContactsTable(db, { table })
  await db
    .insertInto(table)
    .values({
      tenant_id: 7,
      first_name: 'Ada',
      last_name: 'Lovelace',
      company_name: null,
      email: 'ada@example.com',
      phone: null,
      type: 'person',
      created_at: '2026-03-01 12:00:00.000',
      updated_at: '2026-03-01 12:00:00.000',
    })
    .execute()
  // BIGINT arrives as a string from this dialect (bigNumberStrings), whatever the table type says.
  const inserted: unknown = (await db.selectFrom(table).select('id').where('tenant_id', '=', 7).executeTakeFirstOrThrow()).id
  const id = Number(inserted)
  const contacts = new ContactRepository({ db, table })
  const auth: GetManyAuth = { tenantId: 7, scopes: new Set(['contacts:read']) }
  const { rows, missing } = await contacts.getMany(auth.tenantId, [id, id + 1_000_000])
  const first: Contact | undefined = rows[0]
  if (first?.firstName !== 'Ada' || missing.length !== 1) throw new Error(`unexpected getMany result: ${JSON.stringify({ rows, missing })}`)
  await contacts.close()
  console.log(`ESM: every subpath imported; getMany against MariaDB returned ${first.firstName} ${String(first.lastName)}`)
} finally {
  await sql`drop table if exists ${sql.table(table)}`.execute(db)
  await db.destroy()
}
