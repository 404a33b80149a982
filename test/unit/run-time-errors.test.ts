// One error hierarchy: whatever the package throws or rejects with at run time is a
// ContactRepositoryError with a stable code; bad options (and bad arguments of the same kind)
// are TypeErrors naming what is wrong, as errors.ts and the README's Failure modes say. This reads
// every error constructed in src/ and sorts it into one of those, or into the short list of
// internal errors that never reach a caller as such; a new kind of error must be placed here.
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { sourceFiles } from '../helpers/source-files.js'

const SRC = join(import.meta.dirname, '../../src')

interface Construction {
  readonly file: string
  readonly line: number
  readonly className: string
  /** The message's source text, without its opening quote. */
  readonly messageStart: string | undefined
}

const files = sourceFiles(SRC).map((path) => {
  const text = readFileSync(path, 'utf8')
  return { file: relative(SRC, path), source: ts.createSourceFile(path, text, ts.ScriptTarget.ES2023, true) }
})

// Class name -> the name it extends, for every class declared in src/.
const bases = new Map<string, string>()
const constructions: Construction[] = []
for (const { file, source } of files) {
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) && node.name !== undefined) {
      const base = node.heritageClauses
        ?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)
        ?.types[0]?.expression.getText(source)
      if (base !== undefined) bases.set(node.name.text, base)
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && /Error$/.test(node.expression.text)) {
      const first = node.arguments?.[0]
      // The message as written, quotes and all: `${path} must be...` keeps its placeholder.
      const messageStart = first?.getText(source).replace(/^['"`]|['"`]$/g, '')
      constructions.push({
        file,
        line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
        className: node.expression.text,
        messageStart,
      })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
}

function inHierarchy(className: string): boolean {
  for (let name: string | undefined = className; name !== undefined; name = bases.get(name)) {
    if (name === 'ContactRepositoryError') return true
  }
  return false
}

/**
 * TypeErrors for bad input to a constructor or factory: the message starts with what is bad.
 * `options...` for options; the rest are arguments of the same programming-error kind.
 */
const TYPE_ERROR_SUBJECTS = [
  'options',
  '${path}', // option-checks.ts: `options`, or a nested option's path
  '${name}', // createMysqlDialect: options.connection.<key>, or <key> in the connection URI
  'repository must have', // createGetManyHandler(repository): the repository handed in
  'subscriber must have', // bus.subscribe(subscriber), called by the repository's constructor
  "PreparedMysqlDialect does not take kysely's", // its options, named by the class
  'createContactsTable supports', // the db handed in speaks neither MySQL nor SQLite
]

/**
 * Errors built by src/ that never reach a caller as they are, each with where it ends up.
 * Keyed by file and class; a new one fails the test until it is placed.
 */
const INTERNAL: Record<string, string> = {
  'contacts/contacts-query.ts Error': 'a dialect that rewrites the select; the batch fails with ContactQueryError',
  'contacts/contacts-reader.ts RangeError': 'a batch size the loader never makes; the batch fails with ContactQueryError',
  'contacts/contacts-reader.ts Error': "mysql2's failure, as the cause of the batch's ContactQueryError",
  'contacts/contacts-reader.ts TypeError': "a driver answering no rows; the batch's ContactQueryError",
  'binlog/binlog-stream.ts BinlogGapError': 'caught by the session, which starts over with a gap',
  'http/get-many-endpoint.ts TypeError': "the application's authenticate returned a malformed auth: a 500, reported to onError",
  'binlog/redis-lease.ts Error': 'a lease call timing out; the source wraps it in BinlogConnectionError or steps down',
}

describe('errors built at run time', () => {
  it('finds the error classes and their constructions (the scan itself works)', () => {
    expect(inHierarchy('ContactRowError')).toBe(true)
    expect(inHierarchy('BinlogConnectionError')).toBe(true)
    expect(inHierarchy('InvalidationBusClosedError')).toBe(true)
    expect(constructions.filter((c) => c.className === 'ContactOverloadError').length).toBeGreaterThan(0)
  })

  it('are ContactRepositoryErrors, TypeErrors naming the bad option or argument, or internal ones that are wrapped', () => {
    const misplaced = constructions
      .filter((c) => {
        if (inHierarchy(c.className)) return false
        if (c.className === 'TypeError' && TYPE_ERROR_SUBJECTS.some((subject) => c.messageStart?.startsWith(subject) === true)) return false
        return !(`${c.file} ${c.className}` in INTERNAL)
      })
      .map((c) => `${c.file}:${c.line} new ${c.className}(${JSON.stringify(c.messageStart)}...)`)
    expect(misplaced).toEqual([])
  })

  it('lists no internal error that is no longer built (the list stays true)', () => {
    const built = new Set(constructions.map((c) => `${c.file} ${c.className}`))
    expect(Object.keys(INTERNAL).filter((key) => !built.has(key))).toEqual([])
  })
})
