// The unit project needs no server: `npm run test:unit` must pass with MariaDB and Redis
// stopped. The project runs with addresses where nothing listens (test/projects.ts), so a unit
// test that connects fails in every run; these checks catch the rest before it gets that far.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { SERVER_FREE_FILES, UNREACHABLE_SERVERS } from '../projects.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** The modules that hand tests a server: its address, a seeded table, a private server. */
const SERVER_HELPERS = [
  'test/helpers/env.ts',
  'test/helpers/backends.ts',
  'test/helpers/fault-rig.ts',
  'test/redis/helpers/private-redis.ts',
  'test/binlog/helpers/binlog-rig.ts',
  'bench/lib/bench-table.ts',
]

function unitFiles(): string[] {
  const own = readdirSync(join(root, 'test/unit'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => `test/unit/${file}`)
  return [...own, ...SERVER_FREE_FILES]
}

/** Every repository file `file` imports, directly or through the test and bench modules it imports. */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  const text = readFileSync(join(root, file), 'utf8')
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = relative(root, resolve(root, dirname(file), match[1]!)).replace(/\.js$/, '.ts')
    if (seen.has(target) || !existsSync(join(root, target))) continue
    seen.add(target)
    // src/ never opens a connection on import; following it would only slow this down.
    if (!target.startsWith('src/')) importsOf(target, seen)
  }
  return seen
}

describe('the unit project', () => {
  it('lists only files that exist (a renamed file would silently fall to the integration project)', () => {
    for (const file of SERVER_FREE_FILES) expect(existsSync(join(root, file)), file).toBe(true)
  })

  it.each(unitFiles())('%s imports no server helper, directly or not', (file) => {
    const reached = [...importsOf(file)].filter((target) => SERVER_HELPERS.includes(target))
    expect(reached).toEqual([])
  })

  it('runs with server addresses where nothing listens', () => {
    expect(process.env.MYSQL_URL).toBe(UNREACHABLE_SERVERS.MYSQL_URL)
    expect(process.env.REDIS_URL).toBe(UNREACHABLE_SERVERS.REDIS_URL)
  })
})
