// Rules about the source tree itself: no circular imports, the layers (the cache alone, loading
// apart from it, the core free of the subpaths, each subpath free of the others), the entry
// points only re-export, the main entry never loads an optional peer, and the shipped SQL
// matches the code.
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CONTACTS_TABLE_SQL } from '../../src/index.js'
import { sourceFiles } from '../helpers/source-files.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const src = join(root, 'src')

interface Import {
  readonly specifier: string
  readonly typeOnly: boolean
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8')
  const imports: Import[] = []
  const pattern = /^(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm
  for (const match of text.matchAll(pattern)) {
    imports.push({ specifier: match[3] ?? '', typeOnly: match[2] !== undefined })
  }
  return imports
}

const files = sourceFiles(src)
const localImports = new Map<string, { readonly target: string; readonly typeOnly: boolean }[]>(
  files.map((file) => [
    file,
    importsOf(file)
      .filter((i) => i.specifier.startsWith('.'))
      .map((i) => ({ target: resolve(dirname(file), i.specifier.replace(/\.js$/, '.ts')), typeOnly: i.typeOnly })),
  ]),
)
// What runs when a file is loaded: its value imports.
const localEdges = new Map<string, string[]>(
  [...localImports].map(([file, imports]) => [file, imports.filter((i) => !i.typeOnly).map((i) => i.target)]),
)

/** A file's concept folder under src/ (`cache`, `http`...), or `root` for the facade's files beside index.ts. */
function folderOf(file: string): string {
  const parts = relative(src, file).split(/[\\/]/)
  return parts.length === 1 ? 'root' : (parts[0] ?? 'root')
}

/** The folders behind the package's subpaths, which the core must not need. */
const SUBPATHS = ['mysql', 'redis', 'binlog', 'http']
/** The core: what the main entry is made of. */
const CORE = ['root', 'cache', 'loading', 'contacts', 'validation', 'observability', 'invalidation']

/** Every import (type-only ones included) from a file of `from` to a file of `to`, as `file -> target`. */
function importsBetween(from: (folder: string) => boolean, to: (target: string) => boolean): string[] {
  return [...localImports]
    .filter(([file]) => from(folderOf(file)))
    .flatMap(([file, imports]) => imports.filter((i) => to(i.target)).map((i) => `${relative(src, file)} -> ${relative(src, i.target)}`))
}

describe('source tree', () => {
  // Type-only imports count: a reader follows them as well, and a cycle of types is as hard to
  // read as one of values.
  it('has no circular imports, type-only imports included', () => {
    const cycles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(src, f)).join(' -> '))
        return
      }
      state.set(file, 'visiting')
      for (const next of localImports.get(file) ?? []) visit(next.target, [...path, file])
      state.set(file, 'done')
    }
    for (const file of files) visit(file, [])
    expect(cycles).toEqual([])
  })

  // The cache is a data structure: it knows the Contact it stores (a type) and nothing else of
  // the package, so that it can be read, tested and measured alone.
  it('keeps src/cache to itself, but for the Contact type it stores', () => {
    const contact = join(src, 'contacts', 'contact.ts')
    const outside = [...localImports]
      .filter(([file]) => folderOf(file) === 'cache')
      .flatMap(([file, imports]) => imports
        .filter((i) => folderOf(i.target) !== 'cache' && !(i.target === contact && i.typeOnly))
        .map((i) => `${relative(src, file)} -> ${relative(src, i.target)}${i.typeOnly ? ' (type)' : ''}`))
    expect(outside).toEqual([])
  })

  // Where a miss is loaded (src/loading) and where it is cached (src/cache) meet in one place,
  // the facade (src/contact-repository.ts): neither imports the other.
  it('keeps src/cache and src/loading apart', () => {
    expect(importsBetween((folder) => folder === 'cache', (target) => folderOf(target) === 'loading')).toEqual([])
    expect(importsBetween((folder) => folder === 'loading', (target) => folderOf(target) === 'cache')).toEqual([])
  })

  it('has the core import no subpath folder (mysql, redis, binlog, http)', () => {
    expect(files.some((file) => !CORE.includes(folderOf(file)) && !SUBPATHS.includes(folderOf(file)))).toBe(false)
    expect(importsBetween((folder) => CORE.includes(folder), (target) => SUBPATHS.includes(folderOf(target)))).toEqual([])
  })

  it('has each subpath folder import no other subpath folder', () => {
    const crossing = SUBPATHS.flatMap((subpath) =>
      importsBetween((folder) => folder === subpath, (target) => SUBPATHS.includes(folderOf(target)) && folderOf(target) !== subpath))
    expect(crossing).toEqual([])
  })

  it('keeps src/index.ts to re-exports', () => {
    const lines = readFileSync(join(src, 'index.ts'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('//'))
    const statements = lines.join('\n').split(/(?<=['"])\n/)
    for (const statement of statements) expect(statement.trim()).toMatch(/^export (type )?\{[^}]*\} from '\.\/[^']+\.js'$/s)
  })

  it('never loads an optional peer or an HTTP framework from the main entry', () => {
    const optional = ['ioredis', '@opentelemetry/api', '@vlasky/zongji', 'express', 'fastify', 'better-sqlite3', 'prom-client']
    const reachable = new Set<string>()
    const walk = (file: string): void => {
      if (reachable.has(file)) return
      reachable.add(file)
      for (const next of localEdges.get(file) ?? []) walk(next)
    }
    walk(join(src, 'index.ts'))
    expect(reachable.size).toBeGreaterThan(5)
    for (const file of reachable) {
      for (const { specifier, typeOnly } of importsOf(file)) {
        if (optional.some((name) => specifier === name || specifier.startsWith(`${name}/`))) {
          expect({ file: relative(src, file), specifier, typeOnly }).toMatchObject({ typeOnly: true })
        }
      }
    }
  })

  it('ships src/contacts/contacts.sql identical to CONTACTS_TABLE_SQL', () => {
    const shipped = readFileSync(join(src, 'contacts', 'contacts.sql'), 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
      .trim()
    expect(shipped).toBe(CONTACTS_TABLE_SQL)
  })
})
