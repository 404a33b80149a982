// The demo as a newcomer runs it: `npm start`'s command in a child process, the printed curl
// lines run as printed, the status each comment announces, and a clean exit on SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Kysely, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, describe, expect, it } from 'vitest'
import { uniqueTableName } from '../helpers/backends.js'
import { MYSQL_URL } from '../helpers/env.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const tsxCli = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url))

interface Demo {
  readonly child: ChildProcessWithoutNullStreams
  readonly output: () => string
  /** Every printed `curl` line with the status its comment announces. */
  readonly requests: { readonly status: number; readonly command: string }[]
}

/** Starts `tsx examples/demo/server.ts` (what `npm start` runs) and waits for its banner. */
async function startDemo(env: Record<string, string>): Promise<Demo> {
  const childEnv: Record<string, string | undefined> = { ...process.env, PORT: '0', ...env }
  if (env.MYSQL_URL === undefined) delete childEnv.MYSQL_URL
  const child = spawn(process.execPath, [tsxCli, 'examples/demo/server.ts'], { cwd: root, env: childEnv })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const output = (): string => `${stdout}${stderr === '' ? '' : `\n[stderr]\n${stderr}`}`
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (/^curl -s \S+\/stats$/m.test(stdout)) resolve()
    }
    child.stdout.on('data', check)
    child.once('exit', (code) => { reject(new Error(`the demo exited (${String(code)}) before it was ready:\n${output()}`)) })
  })
  const requests: { status: number; command: string }[] = []
  const lines = stdout.split('\n')
  lines.forEach((line, i) => {
    const announced = /^# (\d{3}):/.exec(line)
    const next = lines[i + 1]
    if (announced !== null && next?.startsWith('curl ') === true) requests.push({ status: Number(announced[1]), command: next })
  })
  return { child, output, requests }
}

/** Splits a shell command line as sh would, for the quoting the demo prints (single quotes). */
function shellWords(line: string): string[] {
  const words: string[] = []
  for (const match of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? '')
  return words
}

/** Runs a printed curl command with fetch: -X, -H, -d and the URL, as curl reads them. */
async function runCurl(command: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const words = shellWords(command)
  expect(words[0]).toBe('curl')
  let method = 'GET'
  let url: string | undefined
  let body: string | undefined
  const headers: Record<string, string> = {}
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!
    if (word === '-X') method = words[++i]!
    else if (word === '-H') {
      const [name, ...value] = words[++i]!.split(':')
      headers[name!.trim().toLowerCase()] = value.join(':').trim()
    } else if (word === '-d') body = words[++i]!
    else if (word === '-s' || word === '-si' || word === '-i') continue
    else if (word.startsWith('http://')) url = word
    else throw new Error(`unexpected curl argument ${word}`)
  }
  expect(url).toBeDefined()
  const response = await fetch(url!, { method, headers, ...(body === undefined ? {} : { body }) })
  return { status: response.status, body: await response.json(), headers: response.headers }
}

async function stop(demo: Demo, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = once(demo.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  demo.child.kill(signal)
  const [code, exitSignal] = await exited
  return { code, signal: exitSignal }
}

async function exercise(demo: Demo): Promise<void> {
  const statuses = demo.requests.map((r) => r.status)
  // A 200, the cache at work, a 403 and a 422, each announced and then produced.
  expect(statuses).toEqual(expect.arrayContaining([200, 403, 422]))
  expect(demo.requests.at(-1)?.command).toMatch(/\/stats$/)
  const replies = []
  for (const request of demo.requests) {
    const reply = await runCurl(request.command)
    expect({ command: request.command, status: reply.status }).toEqual({ command: request.command, status: request.status })
    replies.push(reply)
  }
  expect(replies[0]?.body).toMatchObject({ data: [{ id: 3 }, { id: 1 }], meta: { requested: 4, returned: 2 } })
  expect(replies[1]?.body).toEqual(expect.objectContaining({ data: (replies[0]?.body as { data: unknown }).data }))
  const forbidden = replies[demo.requests.findIndex((r) => r.status === 403)]
  expect(forbidden?.headers.get('content-type')).toBe('application/problem+json')
  const invalid = replies[demo.requests.findIndex((r) => r.status === 422)]
  expect(invalid?.body).toMatchObject({ errors: [{ field: 'ids[1]', code: 'invalid_type' }, { field: 'ids[2]', code: 'not_positive' }] })
  // The repeated request was answered from the cache: 4 hits, and only two queries in all.
  expect(replies.at(-1)?.body).toMatchObject({ hits: 4, queries: 2 })
}

describe('the demo (npm start)', () => {
  it('runs on SQLite in memory with no database server, answers as printed, and stops cleanly on SIGTERM', async () => {
    const demo = await startDemo({})
    try {
      expect(demo.output()).toContain('SQLite in memory')
      await exercise(demo)
    } finally {
      const { code, signal } = await stop(demo)
      expect({ code, signal, output: demo.output() }).toMatchObject({ code: 0, signal: null })
      expect(demo.output()).toContain('stopped')
    }
  })

  describe('with MYSQL_URL', () => {
    const table = uniqueTableName('demo')
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
    const admin = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 1 }) }) })
    afterAll(async () => {
      await sql`drop table if exists ${sql.table(table)}`.execute(admin)
      await admin.destroy()
    })

    it('creates and seeds the table when it is empty, answers the same, and stops cleanly', async () => {
      const demo = await startDemo({ MYSQL_URL, CONTACTS_TABLE: table })
      try {
        expect(demo.output()).toContain(`table ${table}`)
        await exercise(demo)
      } finally {
        expect(await stop(demo)).toEqual({ code: 0, signal: null })
      }
      const { count } = await admin.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow()
      expect(Number(count)).toBe(8)
    })

    it('leaves a table that already has rows unseeded, says so, and stops cleanly on SIGINT', async () => {
      const demo = await startDemo({ MYSQL_URL, CONTACTS_TABLE: table })
      try {
        expect(demo.output()).toContain('was not seeded')
      } finally {
        expect(await stop(demo, 'SIGINT')).toEqual({ code: 0, signal: null })
      }
    })
  })
})
