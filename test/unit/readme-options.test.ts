// One source for every fact about an option: its TSDoc. Every option of every public options
// interface has a comment, and an `@default` exactly when it is optional; each literal default
// is what the option resolves to when it is left out; and the README's option tables, and the
// figures its prose quotes for an option ("`heartbeatInterval` (1 s)"), agree with them. Reads
// files only: no server.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { resolveSourceOptions } from '../../src/binlog/binlog-invalidation-source-options.js'
import { PARTITION_OVERHEAD_BYTES } from '../../src/cache/tenant-partitioned-cache.js'
import { resolveOptions } from '../../src/contact-repository-options.js'
import { TABLE_NAME, tableOption } from '../../src/contacts/contacts-query.js'
import { createGetManyOpenApiDocument } from '../../src/http/get-many-openapi.js'
import { resolveAdapterOptions, resolveHandlerOptions } from '../../src/http/get-many-handler-options.js'
import { resolveMysqlDialectOptions } from '../../src/mysql/mysql-dialect-options.js'
import { resolveBusOptions } from '../../src/redis/redis-invalidation-bus-options.js'
import { sourceFiles } from '../helpers/source-files.js'

const ROOT = join(import.meta.dirname, '../..')
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

// --- the TSDoc side ------------------------------------------------------------------------

interface OptionDoc {
  readonly name: string
  readonly optional: boolean
  /** The comment's text, without its tags. */
  readonly text: string
  /** Every `@default` tag's text (one expected on an optional option, none on a required one). */
  readonly defaults: readonly string[]
}

interface InterfaceDoc {
  readonly file: string
  readonly name: string
  readonly options: ReadonlyMap<string, OptionDoc>
}

/** The `.ts` files below `dir`, as paths relative to the repository. */
const sourceFilesOf = (dir: string): string[] => sourceFiles(join(ROOT, dir)).map((path) => relative(ROOT, path))

/** Every interface declared in src/, with its own members' TSDoc. */
const interfaces = new Map<string, InterfaceDoc>()
for (const file of sourceFilesOf('src')) {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2023, true)
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement)) continue
    const options = new Map<string, OptionDoc>()
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member)) continue
      const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc)
      const name = member.name.getText(source)
      options.set(name, {
        name,
        optional: member.questionToken !== undefined,
        text: docs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '').join('\n'),
        defaults: docs.flatMap((doc) =>
          (doc.tags ?? []).filter((tag) => tag.tagName.text === 'default').map((tag) => (ts.getTextOfJSDocComment(tag.comment) ?? '').trim()),
        ),
      })
    }
    interfaces.set(statement.name.text, { file, name: statement.name.text, options })
  }
}

function iface(name: string): InterfaceDoc {
  const found = interfaces.get(name)
  if (found === undefined) throw new Error(`No interface ${name} in src/`)
  return found
}

/** The names the package's entry points export (main entry and every subpath). */
const ENTRY_POINTS = ['src/index.ts', 'src/mysql/index.ts', 'src/redis/index.ts', 'src/binlog/index.ts', 'src/http/index.ts', ...sourceFilesOf('src/http/adapters')]
const exported = new Set(ENTRY_POINTS.flatMap((file) => [...read(file).matchAll(/\b([A-Z]\w*(?:Options|Config))\b/g)].map((m) => m[1] ?? '')))
// Kept for 0.x as deprecated hints only (src/moved-exports.ts); their interfaces live in src/http.
const publicOptions = [...interfaces.values()].filter((doc) => exported.has(doc.name) && /(Options|Config)$/.test(doc.name))

/** Numbers as written anywhere in a text: `100_000`, `100,000` and `100000` are the same figure. */
function figures(text: string): Set<string> {
  return new Set([...text.matchAll(/\d+(?:[.,_]\d+)*/g)].map((m) => m[0].replace(/[,_]/g, '')))
}

/** A literal `@default` as a value; `undefined` for an expression (`maxEntries / 4`). */
function literal(text: string): unknown {
  const size = /^(\d+) (KiB|MiB)$/.exec(text)
  if (size !== null) return Number(size[1]) * (size[2] === 'KiB' ? 1024 : 1024 * 1024)
  if (/^\d[\d_]*(\.\d+)?$/.test(text)) return Number(text.replace(/_/g, ''))
  if (/^'[^']*'$/.test(text)) return text.slice(1, -1)
  if (text === 'true' || text === 'false') return text === 'true'
  return undefined
}

// What each options interface resolves to when every optional option is left out, by option.
// Built from the resolvers the constructors call, with stand-ins for the required objects.
const redis = (): never => ({ publish() {}, subscribe() {}, on() {}, off() {}, eval() {}, status: 'ready' }) as never
const binlog = { connection: 'mysql://u@127.0.0.1/app', serverId: 1 }
const mysql = resolveMysqlDialectOptions({ connection: 'mysql://u@127.0.0.1/app' })
interface Operation {
  readonly security: readonly Record<string, readonly string[]>[]
  readonly responses: Record<string, { content: Record<string, { example: { type: string } }> }>
}
const openapi = createGetManyOpenApiDocument() as { info: { title: string; version: string }; paths: Record<string, { post: Operation }> }
const operation = Object.values(openapi.paths)[0]?.post
const RESOLVED: Record<string, Readonly<Record<string, unknown>>> = {
  ContactRepositoryOptions: resolveOptions({ db: { selectFrom() {} } as never }),
  MysqlDialectOptions: { ...mysql.pool, ...mysql },
  RedisInvalidationBusOptions: resolveBusOptions({ publisher: redis(), subscriber: redis(), channel: 'c' }),
  BinlogInvalidationSourceOptions: { ...resolveSourceOptions(binlog) },
  BinlogLeaseOptions: { ...resolveSourceOptions({ ...binlog, lease: { redis: redis(), key: 'k' } }).lease },
  GetManyHandlerOptions: { ...resolveHandlerOptions() },
  GetManyAdapterOptions: { ...resolveAdapterOptions({ authenticate: () => null }) },
  GetManyOpenApiOptions: {
    title: openapi.info.title,
    version: openapi.info.version,
    path: Object.keys(openapi.paths)[0],
    requiredScope: operation?.security[0]?.bearerAuth?.[0],
    problemTypeBase: operation?.responses['422']?.content['application/problem+json']?.example.type.replace(/validation-failed$/, ''),
  },
  CreateContactsTableOptions: { table: tableOption({}) },
}

describe('TSDoc of the public options', () => {
  it('finds the options interfaces of every entry point', () => {
    expect(publicOptions.map((doc) => doc.name).sort()).toEqual(expect.arrayContaining([
      'BinlogInvalidationSourceOptions', 'ContactRepositoryOptions', 'ContactWritesOptions', 'CreateContactsTableOptions',
      'FastifyGetManyOptions', 'GetManyAdapterOptions', 'GetManyHandlerOptions', 'GetManyOpenApiOptions', 'GetManyOptions',
      'MysqlDialectOptions', 'PreparedMysqlDialectConfig', 'RedisCheckpointStoreOptions', 'RedisInvalidationBusOptions',
    ]))
  })

  it('documents every option, with one @default exactly when it is optional', () => {
    const wrong: string[] = []
    for (const doc of [...publicOptions, iface('BinlogLeaseOptions')]) {
      for (const option of doc.options.values()) {
        const where = `${doc.name}.${option.name}`
        if (option.text.trim() === '') wrong.push(`${where}: no comment`)
        if (option.optional && option.defaults.length !== 1) wrong.push(`${where}: optional, ${option.defaults.length} @default tags`)
        if (!option.optional && option.defaults.length > 0) wrong.push(`${where}: required, yet has a @default`)
        // The prose must not carry a second copy of the default, which could drift from the tag.
        if (/\bDefault[:\s]/.test(option.text)) wrong.push(`${where}: a default in the prose`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('gives as @default the value each option resolves to when left out', () => {
    const compared: string[] = []
    const wrong: string[] = []
    for (const [name, resolved] of Object.entries(RESOLVED)) {
      for (const option of iface(name).options.values()) {
        const value = literal(option.defaults[0] ?? '')
        if (value === undefined) continue
        compared.push(`${name}.${option.name}`)
        if (resolved[option.name] !== value) wrong.push(`${name}.${option.name}: @default ${String(option.defaults[0])}, resolves to ${String(resolved[option.name])}`)
      }
    }
    expect(wrong).toEqual([])
    expect(compared.length).toBeGreaterThan(40)
  })

  it('quotes the figures the code holds: the table-name pattern, the partition overhead', () => {
    const repository = iface('ContactRepositoryOptions').options
    expect(repository.get('table')?.text).toContain(TABLE_NAME.source)
    expect(repository.get('maxBytes')?.text).toContain(`${PARTITION_OVERHEAD_BYTES} bytes`)
  })
})

// --- the README side -----------------------------------------------------------------------

interface Section {
  readonly heading: string
  /** The section's lines outside code blocks, up to the next heading of any level. */
  readonly lines: readonly string[]
}

function sections(markdown: string): Section[] {
  const found: { heading: string; lines: string[] }[] = [{ heading: '', lines: [] }]
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    else if (fenced) continue
    else if (/^#{1,6} /.test(line)) found.push({ heading: line.replace(/^#+ /, ''), lines: [] })
    else found.at(-1)?.lines.push(line)
  }
  return found
}

/** A table row's cells; a `|` inside backticks belongs to its cell. */
function cells(row: string): string[] {
  const result: string[] = []
  let cell = ''
  let code = false
  for (const char of row.trim().replace(/^\||\|$/g, '')) {
    if (char === '`') code = !code
    if (char === '|' && !code) {
      result.push(cell.trim())
      cell = ''
    } else cell += char
  }
  return [...result, cell.trim()]
}

interface OptionsTable {
  readonly heading: string
  readonly rows: readonly { readonly name: string; readonly default: string; readonly description: string }[]
}

function optionTables(markdown: string): OptionsTable[] {
  return sections(markdown).flatMap(({ heading, lines }) => {
    const tables: OptionsTable[] = []
    for (let i = 0; i + 1 < lines.length; i++) {
      const [first, second] = cells(lines[i] ?? '')
      if (first !== 'option' || second !== 'default' || !(lines[i + 1] ?? '').startsWith('|---')) continue
      const rows = []
      for (let j = i + 2; (lines[j] ?? '').startsWith('|'); j++) {
        const [name = '', value = '', description = ''] = cells(lines[j] ?? '')
        rows.push({ name: name.replace(/`/g, ''), default: value, description })
      }
      tables.push({ heading, rows })
    }
    return tables
  })
}

/** The README section each options table stands in, and the interfaces whose own options it lists. */
const TABLES: Readonly<Record<string, readonly string[]>> = {
  '`new ContactRepository(options)`': ['ContactRepositoryOptions'],
  '`getMany(tenantId, ids, options?) => Promise<{ rows, missing, stale }>`': ['GetManyOptions'],
  '`contact-repository/mysql`: a mysql2 pool that cannot hang': ['MysqlDialectOptions'],
  'Any framework': ['GetManyHandlerOptions'],
  'Adapters: node:http, Express 5, Fastify 5': ['GetManyAdapterOptions', 'FastifyGetManyOptions'],
  'Running several instances': ['RedisInvalidationBusOptions'],
}

/** Sections whose prose quotes defaults as "`option` (figure)", and whose options they are, first match first. */
const PROSE: Readonly<Record<string, readonly string[]>> = {
  'Running several instances': ['RedisInvalidationBusOptions', 'ContactRepositoryOptions'],
  'Writes from anywhere': ['BinlogInvalidationSourceOptions', 'RedisInvalidationBusOptions', 'ContactRepositoryOptions'],
}

/** How a table's default cell must read, given the option's TSDoc. */
function expectedCell(option: OptionDoc): string {
  if (!option.optional) return '(required)'
  const tag = option.defaults[0] ?? ''
  return /^undefined \((.+)\)$/.exec(tag)?.[1] ?? tag
}

const README = read('README.md')

describe('README option tables', () => {
  const tables = optionTables(README)

  it('has the tables this test knows, and knows every one', () => {
    expect(tables.map((table) => table.heading).sort()).toEqual(Object.keys(TABLES).sort())
  })

  it.each(Object.entries(TABLES))('%s: the same options, defaults and figures as the TSDoc of %s', (heading, names) => {
    const table = tables.find((t) => t.heading === heading)
    const options = new Map(names.flatMap((name) => [...iface(name).options]))
    expect(table?.rows.map((row) => row.name).sort()).toEqual([...options.keys()].sort())
    const wrong: string[] = []
    for (const row of table?.rows ?? []) {
      const option = options.get(row.name)
      if (option === undefined) continue
      const cell = row.default.replace(/`/g, '')
      if (cell !== expectedCell(option)) wrong.push(`${row.name}: README says ${cell}, TSDoc ${expectedCell(option)}`)
      const documented = figures(option.text)
      const unsourced = [...figures(row.description)].filter((figure) => !documented.has(figure))
      if (unsourced.length > 0) wrong.push(`${row.name}: README quotes ${unsourced.join(', ')}, which its TSDoc does not`)
    }
    expect(wrong).toEqual([])
  })

  it('quotes the table-name pattern and the partition overhead the code holds', () => {
    const repository = tables.find((t) => t.heading === '`new ContactRepository(options)`')
    expect(repository?.rows.find((row) => row.name === 'table')?.description).toContain(TABLE_NAME.source)
    expect(repository?.rows.find((row) => row.name === 'maxBytes')?.description).toContain(`${PARTITION_OVERHEAD_BYTES} bytes`)
  })
})

describe('README prose', () => {
  const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, KiB: 1024 }

  it.each(Object.entries(PROSE))('%s: every "`option` (figure)" is the default of %s', (heading, names) => {
    const text = sections(README).find((section) => section.heading === heading)?.lines.filter((line) => !line.startsWith('|')).join(' ') ?? ''
    const quoted = [...text.matchAll(/`(\w+)` \((?:default )?(\d[\d,_.]*)(?: (ms|s|KiB))?[;,)]/g)]
    expect(quoted.length).toBeGreaterThan(0)
    const wrong: string[] = []
    for (const [match, name = '', figure = '', unit = ''] of quoted) {
      const owner = names.find((candidate) => iface(candidate).options.has(name))
      const value = owner === undefined ? undefined : RESOLVED[owner]?.[name]
      const said = Number(figure.replace(/[,_]/g, '')) * (UNITS[unit] ?? 1)
      if (value !== said) wrong.push(`${match}: ${owner ?? 'no such option'} resolves it to ${String(value)}`)
    }
    expect(wrong).toEqual([])
  })
})

describe('paths', () => {
  // Markdown links to files of the repository, and paths in backticks, must name files that exist.
  it.each([['README.md'], ['bench/README.md']])('every local link and quoted path of %s exists', (file) => {
    const text = read(file)
    const base = dirname(join(ROOT, file))
    const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? '').filter((target) => !/^[a-z]+:/.test(target))
    const quoted = [...text.matchAll(/`((?:src|test|bench|examples|scripts|lib|scenarios|probes)\/[\w./-]+\.(?:ts|sql|json|md|sh))`/g)].map((m) => m[1] ?? '')
    const missing = [...links.map((target) => join(base, target)), ...quoted.map((path) => join(existsSync(join(base, path)) ? base : ROOT, path))]
      .filter((path) => !existsSync(path))
      .map((path) => relative(ROOT, path))
    expect(missing).toEqual([])
  })

  it('every repository path named in the code (src, bench, scripts, examples) exists', () => {
    const code = ['src', 'bench', 'scripts', 'examples'].flatMap(sourceFilesOf)
    const missing = code.flatMap((file) =>
      [...read(file).matchAll(/\b((?:src|test|bench|examples|scripts)\/[\w./-]+\.(?:ts|sql|json|md))\b/g)]
        .map((m) => m[1] ?? '')
        .filter((path) => !existsSync(join(ROOT, path)))
        .map((path) => `${file}: ${path}`),
    )
    expect(missing).toEqual([])
  })
})
