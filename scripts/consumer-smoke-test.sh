#!/usr/bin/env bash
# The package as a new user gets it: packs it (prepack builds dist/), lints the tarball
# (publint, @arethetypeswrong/cli on the ESM-only profile) and openapi.json (redocly), then
# installs the tarball with kysely 0.28 and mysql2 in an empty directory and checks, there:
# one copy of kysely and of mysql2; an ESM import of every subpath and one getMany against
# MariaDB; a CommonJS require of the main entry (with kysely's CommonJS build); TypeScript
# with moduleResolution node16 and bundler, skipLibCheck off; the main entry's import time;
# a client generated from openapi.json (openapi-typescript + openapi-fetch) against the
# demo's 200 and 422. Needs MariaDB at MYSQL_URL and the npm registry. Run from the root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export MYSQL_URL=${MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

started=$SECONDS
step() { printf '\n-- [%ss] %s\n' "$((SECONDS - started))" "$*"; }
version() { node -p "require('./node_modules/$1/package.json').version"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/contact-repository-consumer.XXXXXX")
demo_pid=
cleanup() {
  if [ -n "$demo_pid" ]; then kill "$demo_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step "pack (prepack builds a clean dist/)"
npm pack --pack-destination "$work" --silent >/dev/null
tarball=$(ls "$work"/contact-repository-*.tgz)
tar -tzf "$tarball" | sed 's|^package/||' | sort > "$work/files.txt"
echo "$(wc -l < "$work/files.txt") files, $(du -k "$tarball" | cut -f1) KiB packed"
if grep -E '\.map$|^src/.*\.ts$|write-openapi|^test/|^bench/' "$work/files.txt"; then
  echo "the tarball holds files it should not (above)" >&2
  exit 1
fi
for required in LICENSE README.md CHANGELOG.md openapi.json dist/index.js dist/index.d.ts dist/http/index.js; do
  grep -qx "$required" "$work/files.txt" || { echo "the tarball lacks $required" >&2; exit 1; }
done

step "publint"
npx --no-install publint run "$tarball" --strict

step "@arethetypeswrong/cli, ESM-only profile (contacts.sql is an asset, not a module)"
npx --no-install attw "$tarball" --profile esm-only --no-definitely-typed --exclude-entrypoints ./contacts.sql --format table-flipped

step "redocly lint openapi.json (recommended rules)"
npx --no-install redocly lint openapi.json --format stylish

step "install the tarball in an empty directory, with kysely and mysql2 of the application's own"
cd "$work"
cat > package.json <<'JSON'
{ "name": "consumer", "private": true, "type": "module" }
JSON
(cd "$root" && printf '%s ' \
  "kysely@$(version kysely)" "mysql2@$(version mysql2)" "express@$(version express)" "@types/express@$(version @types/express)" \
  "fastify@$(version fastify)" "ioredis@$(version ioredis)" "@vlasky/zongji@$(version @vlasky/zongji)" "typescript@$(version typescript)" "@types/node@$(version @types/node)" \
  "openapi-typescript@$(version openapi-typescript)" "openapi-fetch@$(version openapi-fetch)") > deps.txt
# shellcheck disable=SC2046
npm install --no-audit --no-fund --silent "$tarball" $(cat deps.txt)
echo "installed: $(cat deps.txt)"

step "one copy of kysely and of mysql2 (npm ls)"
npm ls kysely mysql2 --all --parseable --long | sed "s|^$work/||" | sort -u > copies.txt
cat copies.txt
for name in kysely mysql2; do
  copies=$(grep -c "node_modules/$name:" copies.txt || true)
  if [ "$copies" -ne 1 ]; then echo "$copies copies of $name" >&2; exit 1; fi
done

step "a client generated from openapi.json (openapi-typescript); the demo started for it"
npx --no-install openapi-typescript node_modules/contact-repository/openapi.json -o api.d.ts --silent
cat > client.ts <<'TS'
import createClient from 'openapi-fetch'
import type { paths } from './api.js'

const client = createClient<paths>({ baseUrl: process.env.DEMO_URL })
const headers = { authorization: 'Bearer demo-tenant-1' }
const ok = await client.POST('/contacts/get-many', { body: { ids: [3, 1, 6, 99] }, headers })
const ids: number[] = (ok.data?.data ?? []).map((contact) => contact.id)
if (ok.response.status !== 200 || ids.join() !== '3,1' || ok.data?.meta.requested !== 4) throw new Error(`200: ${JSON.stringify(ok.data)}`)
// A body the types refuse, sent anyway: the server's 422 is typed as the document's Problem.
const invalid = await client.POST('/contacts/get-many', { body: { ids: [1, '2', 0] as unknown as number[] }, headers })
const fields: string[] = (invalid.error?.errors ?? []).map((error) => `${error.field}:${error.code}`)
if (invalid.response.status !== 422 || fields.join() !== 'ids[1]:invalid_type,ids[2]:not_positive') {
  throw new Error(`422: ${JSON.stringify(invalid.error)}`)
}
console.log(`generated client: 200 with contacts ${ids.join(', ')}; 422 with ${fields.join(', ')}`)
TS
port=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")
(cd "$root" && PORT=$port exec node node_modules/tsx/dist/cli.mjs examples/demo/server.ts) > demo.log 2>&1 &
demo_pid=$!

step "TypeScript (strict), moduleResolution node16 and bundler, skipLibCheck off: the smoke test and the generated client"
cp "$root/test/package/consumer/smoke.ts" smoke.ts
common='"strict": true, "skipLibCheck": false, "target": "ES2023", "lib": ["ES2023"], "types": ["node"]'
cat > tsconfig.node16.json <<JSON
{ "compilerOptions": { $common, "module": "node16", "moduleResolution": "node16", "outDir": "out" }, "files": ["smoke.ts", "client.ts"] }
JSON
cat > tsconfig.bundler.json <<JSON
{ "compilerOptions": { $common, "module": "preserve", "moduleResolution": "bundler", "noEmit": true }, "files": ["smoke.ts", "client.ts"] }
JSON
# Both at once: each checks every declaration file it reaches, which takes a while.
npx --no-install tsc -p tsconfig.node16.json > tsc-node16.log 2>&1 & node16=$!
npx --no-install tsc -p tsconfig.bundler.json > tsc-bundler.log 2>&1 & bundler=$!
failed=0
wait "$node16" && echo "node16: 0 errors" || { cat tsc-node16.log; failed=1; }
wait "$bundler" && echo "bundler: 0 errors" || { cat tsc-bundler.log; failed=1; }
[ "$failed" -eq 0 ]

step "ESM: every subpath, one getMany against MariaDB"
node out/smoke.js

step "CommonJS: require() of the main entry, with kysely's CommonJS build"
cat > require.cjs <<'JS'
const assert = require('node:assert/strict')
const { ContactRepository, createContactsTable, CONTACTS_TABLE_SQL } = require('contact-repository')
const { Kysely, MysqlDialect, sql } = require('kysely')
const { createPool } = require('mysql2')
assert.equal(typeof ContactRepository, 'function')
assert.match(CONTACTS_TABLE_SQL, /CREATE TABLE/)
const table = `smoke_cjs_${process.pid}`
const db = new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: process.env.MYSQL_URL, connectionLimit: 1 }) }) })
;(async () => {
  try {
    await createContactsTable(db, { table })
    await sql`insert into ${sql.table(table)} (tenant_id, type, created_at, updated_at) values (3, 'company', now(3), now(3))`.execute(db)
    const contacts = new ContactRepository({ db, table })
    const { rows } = await contacts.getMany(3, [1])
    assert.equal(rows.length, 1)
    await contacts.close()
    console.log('CommonJS: require() of the main entry works; getMany through a CommonJS Kysely returned 1 row')
  } finally {
    await sql`drop table if exists ${sql.table(table)}`.execute(db)
    await db.destroy()
  }
})().catch((error) => { console.error(error); process.exitCode = 1 })
JS
node require.cjs

step "main entry import time (fresh processes, interleaved; not asserted)"
echo "(the first is what 0.1's main entry loaded: the core and the HTTP layer with zod; ratios are to it)"
(cd "$root" && npx --no-install tsx scripts/import-time.ts --cwd "$work" --rounds 5 \
  contact-repository+contact-repository/http contact-repository kysely)

step "the generated client against the demo's 200 and 422"
for _ in $(seq 1 60); do grep -q '^curl -s .*/stats$' demo.log && break; sleep 0.5; done
grep -q '^curl -s .*/stats$' demo.log || { cat demo.log >&2; echo "the demo did not start" >&2; exit 1; }
DEMO_URL="http://127.0.0.1:$port" node out/client.js
kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true; demo_pid=

echo
echo "consumer smoke test: passed in $((SECONDS - started))s"
