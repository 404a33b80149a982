// What importing each entry point loads, recorded by a resolve hook in a fresh Node process:
// the main entry loads neither zod nor the HTTP layer nor any optional peer; the HTTP subpath
// loads zod (so the recording sees what it should).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'entry-points-'))
afterAll(() => { rmSync(scratch, { recursive: true, force: true }) })

// Runs in the hooks thread: appends every resolved URL to the file named by LOADS_FILE.
const HOOKS = `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(process.env.LOADS_FILE, result.url + '\\n')
  return result
}`
const REGISTER = `import { register } from 'node:module'
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)})`

let runs = 0

/** The URLs resolved while a fresh process (TypeScript through tsx) imports `entry`. */
function loadsOf(entry: string): Promise<string[]> {
  const file = join(scratch, `loads-${++runs}.txt`)
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '-e', `await import(${JSON.stringify(entry)})`],
    { cwd: root, env: { ...process.env, LOADS_FILE: file }, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`importing ${entry} failed (${String(code)}): ${stderr}`))
      else resolve(readFileSync(file, 'utf8').split('\n').filter(Boolean))
    })
  })
}

const packageOf = (url: string): string | undefined => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]

describe('entry points', () => {
  it('the main entry loads neither zod, nor kysely, nor src/http, nor an optional peer or framework', async () => {
    const loads = await loadsOf('./src/index.ts')
    const ours = loads.filter((url) => url.startsWith('file:') && url.includes('/src/'))
    expect(ours.length).toBeGreaterThan(5)
    expect(ours.filter((url) => url.includes('/src/http/'))).toEqual([])
    const packages = new Set(loads.map(packageOf).filter((name) => name !== undefined && name !== 'tsx'))
    for (const forbidden of ['zod', 'kysely', 'express', 'fastify', 'ioredis', '@vlasky/zongji', 'mysql2', 'better-sqlite3', '@opentelemetry/api']) {
      expect(packages).not.toContain(forbidden)
    }
  })

  it('contact-repository/http loads zod and the endpoint, and no framework', async () => {
    const loads = await loadsOf('./src/http/index.ts')
    const packages = new Set(loads.map(packageOf))
    expect(packages).toContain('zod')
    expect(packages).not.toContain('express')
    expect(packages).not.toContain('fastify')
    expect(loads.some((url) => url.endsWith('/src/http/get-many-endpoint.ts'))).toBe(true)
  })
})
