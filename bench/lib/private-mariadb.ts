import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as delay } from 'node:timers/promises'
import { createConnection, type Connection } from 'mysql2/promise'

/**
 * A MariaDB server of our own with binary logging, on a free port, in its own directory under
 * `.tmp/`: the binlog tests and benchmark restart, freeze, reconfigure and purge it, never the
 * shared one.
 * Started from a data directory made once per machine by `mariadb-install-db` (copied, which
 * is much faster than installing again). Anything that goes wrong while starting throws: a
 * suite that cannot have its server fails, in CI and everywhere else.
 */
export interface PrivateMariadb {
  readonly port: number
  /** `mysql://root@127.0.0.1:<port>/app` (the `app` database exists). */
  readonly url: string
  /** PID of the running server, or `undefined` while it is down. */
  readonly pid: number | undefined
  /** A new root connection to `app` (close it yourself). */
  connect(options?: { readonly multipleStatements?: boolean }): Promise<Connection>
  /** Sends `signal`; unless it is SIGSTOP/SIGCONT, waits until the process exited. */
  signal(signal: NodeJS.Signals): Promise<void>
  /** Starts the server again on the same port and data (after a kill), with other options if given. */
  start(options?: StartOptions): Promise<void>
  /** Kills the server (SIGKILL) and removes its directory. */
  close(): Promise<void>
}

export interface StartOptions {
  /** Without `--log-bin` (and its settings): a server the source must refuse. */
  readonly binlog?: boolean
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) {
    child.kill('SIGCONT')
    child.kill('SIGKILL')
  }
})

export async function startPrivateMariadb(label: string, options: StartOptions = {}): Promise<PrivateMariadb> {
  const template = await installTemplate()
  const dir = join(root, '.tmp', `mariadb-${label}-${process.pid}-${Date.now().toString(36)}`)
  mkdirSync(dir, { recursive: true })
  cpSync(template, join(dir, 'data'), { recursive: true })
  let port = 0
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  const launch = async (start: StartOptions): Promise<void> => {
    const binlog = start.binlog ?? true
    const args = [
      '--no-defaults', '--user=root', `--datadir=${join(dir, 'data')}`, `--socket=${join(dir, 'sock')}`,
      `--port=${port}`, '--bind-address=127.0.0.1', `--pid-file=${join(dir, 'pid')}`, `--log-error=${join(dir, 'error.log')}`,
      '--skip-name-resolve', '--innodb-buffer-pool-size=32M', '--innodb-flush-log-at-trx-commit=2', '--max-connections=200',
      '--server-id=1',
      ...(binlog ? ['--log-bin=binlog', '--binlog-format=ROW', '--binlog-row-image=FULL', '--binlog-row-metadata=FULL'] : []),
    ]
    const server = spawn('mariadbd', args, { stdio: ['ignore', 'ignore', 'ignore'] })
    const spawnError = new Promise<never>((_, reject) => {
      server.once('error', (error) => { reject(new Error('mariadbd could not be started (is it installed?)', { cause: error })) })
    })
    live.add(server)
    exited = new Promise((resolveExit) => {
      server.once('exit', () => {
        live.delete(server)
        resolveExit()
      })
    })
    child = server
    const up = (async () => {
      for (let attempt = 0; attempt < 600; attempt++) {
        if (server.exitCode !== null || server.signalCode !== null) {
          throw new Error(`mariadbd exited at start:\n${tail(join(dir, 'error.log'))}`)
        }
        try {
          const connection = await createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1_000 })
          await connection.query('CREATE DATABASE IF NOT EXISTS app')
          await connection.end()
          return
        } catch {
          await delay(50)
        }
      }
      throw new Error(`mariadbd on port ${port} did not answer within 30 s:\n${tail(join(dir, 'error.log'))}`)
    })()
    await Promise.race([up, spawnError])
  }

  // The free port may be taken between finding and binding it: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      await launch(options)
      break
    } catch (error) {
      if (child?.exitCode === null) child.kill('SIGKILL')
      await exited
      if (attempt >= 3 || !/already in use/i.test(tail(join(dir, 'error.log')))) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }

  return {
    get port() {
      return port
    },
    get url() {
      return `mysql://root@127.0.0.1:${port}/app`
    },
    get pid() {
      return child !== undefined && child.exitCode === null && child.signalCode === null ? child.pid : undefined
    },
    connect(connectOptions) {
      return createConnection({ host: '127.0.0.1', port, user: 'root', database: 'app', ...connectOptions })
    },
    async signal(signal) {
      const target = child
      if (target?.pid === undefined || target.exitCode !== null || target.signalCode !== null) {
        throw new Error('the private mariadbd is not running')
      }
      process.kill(target.pid, signal)
      if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await exited
    },
    start: (start) => launch(start ?? {}),
    async close() {
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGCONT')
        process.kill(child.pid, 'SIGKILL')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The data directory every private server starts from, made once per machine and MariaDB
 * version. Test files run in parallel: the first one installs under a lock directory, the
 * others wait for its READY file (a lock older than two minutes is taken as abandoned).
 */
async function installTemplate(): Promise<string> {
  const version = execFileSync('mariadbd', ['--version'], { encoding: 'utf8' }).replace(/[^A-Za-z0-9.]+/g, '_').slice(0, 80)
  const template = join(root, '.tmp', `mariadb-template-${version}`)
  const ready = join(template, 'READY')
  const lock = `${template}.lock`
  mkdirSync(join(root, '.tmp'), { recursive: true })
  for (let waited = 0; !existsSync(ready); waited++) {
    try {
      mkdirSync(lock)
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true })
      if (waited > 2_400) throw new Error(`waited two minutes for ${template}`)
      await delay(50)
      continue
    }
    try {
      const building = `${template}.building-${process.pid}`
      rmSync(building, { recursive: true, force: true })
      const install = spawn('mariadb-install-db', [
        '--no-defaults', `--datadir=${join(building, 'data')}`, '--auth-root-authentication-method=normal',
        '--skip-test-db', '--user=root',
      ], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      install.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
      const code = await new Promise<number | null>((resolveCode, reject) => {
        install.once('error', (error) => { reject(new Error('mariadb-install-db could not be started (is it installed?)', { cause: error })) })
        install.once('exit', resolveCode)
      })
      if (code !== 0) throw new Error(`mariadb-install-db failed (${code}): ${stderr}`)
      rmSync(template, { recursive: true, force: true })
      renameSync(join(building, 'data'), template)
      rmSync(building, { recursive: true, force: true })
      writeFileSync(ready, new Date().toISOString())
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  }
  return template
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolveClose) => server.close(() => { resolveClose() }))
  return port
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n')
  } catch {
    return '(no error log)'
  }
}
