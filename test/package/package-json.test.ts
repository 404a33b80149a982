// package.json as a user's npm and TypeScript read it: every export has its source, the names
// the examples import (tsconfig.json `paths`) are the exports, and the peers are the ones the
// code needs. The tarball itself is checked by scripts/consumer-smoke-test.sh in CI.
import { existsSync, readFileSync } from 'node:fs'
import type { Tracer } from '@opentelemetry/api'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { TracerLike } from '../../src/index.js'

const root = new URL('../../', import.meta.url)
const read = (file: string): string => readFileSync(new URL(file, root), 'utf8')
interface Manifest {
  readonly exports: Record<string, string | { readonly types: string; readonly default: string }>
  readonly files: readonly string[]
  readonly dependencies: Record<string, string>
  readonly devDependencies: Record<string, string>
  readonly peerDependencies: Record<string, string>
  readonly peerDependenciesMeta: Record<string, { readonly optional?: boolean }>
  readonly scripts: Record<string, string>
}
const manifest = JSON.parse(read('package.json')) as Manifest
// tsconfig.json has comments; drop the whole-line ones before parsing.
const tsconfig = JSON.parse(read('tsconfig.json').replace(/^\s*\/\/.*$/gm, '')) as { compilerOptions: { paths: Record<string, string[]> } }

const moduleExports = Object.entries(manifest.exports).filter((entry): entry is [string, { types: string; default: string }] => typeof entry[1] === 'object')

describe('package.json', () => {
  it('exports a module for every subpath, each built from a source file, with types beside it', () => {
    expect(moduleExports.map(([subpath]) => subpath)).toEqual(['.', './mysql', './redis', './binlog', './http', './node-http', './express', './fastify'])
    for (const [, target] of moduleExports) {
      expect(target.default).toMatch(/^\.\/dist\/.+\.js$/)
      expect(target.types).toBe(target.default.replace(/\.js$/, '.d.ts'))
      expect(existsSync(new URL(target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'), root)), target.default).toBe(true)
    }
  })

  it('exports openapi.json and the table DDL as files, and ships them', () => {
    expect(manifest.exports['./openapi.json']).toBe('./openapi.json')
    expect(manifest.exports['./contacts.sql']).toBe('./src/contacts/contacts.sql')
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'openapi.json', 'src/contacts/contacts.sql', 'CHANGELOG.md']))
    expect(manifest.scripts.prepack).toBe('npm run build')
  })

  it('maps in tsconfig.json `paths` exactly the names it exports, to the same source files', () => {
    const expected = Object.fromEntries(
      moduleExports.map(([subpath, target]) => [
        subpath === '.' ? 'contact-repository' : `contact-repository/${subpath.slice(2)}`,
        [target.default.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts')],
      ]),
    )
    expect(tsconfig.compilerOptions.paths).toEqual(expected)
  })

  it('takes kysely and mysql2 as peers (kysely also to develop with), the frameworks and ioredis as optional peers', () => {
    expect(manifest.dependencies).not.toHaveProperty('kysely')
    expect(manifest.dependencies).not.toHaveProperty('mysql2')
    expect(manifest.peerDependencies).toMatchObject({ kysely: '^0.28.0', mysql2: '>=3.17.0' })
    expect(manifest.devDependencies.kysely).toMatch(/^\^0\.28\./)
    expect(manifest.peerDependenciesMeta.kysely?.optional).toBeUndefined()
    for (const optional of ['mysql2', 'express', '@types/express', 'fastify', 'ioredis', '@vlasky/zongji']) {
      expect(manifest.peerDependenciesMeta[optional]?.optional, optional).toBe(true)
    }
    // Nothing imports @opentelemetry/api: `tracer` is typed by shape, and an OpenTelemetry
    // tracer fits that shape (checked here, at compile time).
    expect(manifest.peerDependencies).not.toHaveProperty('@opentelemetry/api')
    expectTypeOf<Tracer>().toExtend<TracerLike>()
  })
})
