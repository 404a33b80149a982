// Rules about the source tree itself: no circular imports, the entry points only re-export,
// the main entry never loads an optional peer, and the shipped SQL matches the code.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CONTACTS_TABLE_SQL } from '../../src/index.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const src = join(root, 'src')

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

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
const localEdges = new Map<string, string[]>(
  files.map((file) => [
    file,
    importsOf(file)
      .filter((i) => i.specifier.startsWith('.') && !i.typeOnly)
      .map((i) => resolve(dirname(file), i.specifier.replace(/\.js$/, '.ts'))),
  ]),
)

describe('source tree', () => {
  it('has no circular imports', () => {
    const cycles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(src, f)).join(' -> '))
        return
      }
      state.set(file, 'visiting')
      for (const next of localEdges.get(file) ?? []) visit(next, [...path, file])
      state.set(file, 'done')
    }
    for (const file of files) visit(file, [])
    expect(cycles).toEqual([])
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
