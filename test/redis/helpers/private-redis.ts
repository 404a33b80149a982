import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { delay } from './clock.js'

/**
 * A redis-server of the test's own, on a free port, without persistence, in its own directory:
 * fault tests kill, freeze and restart it by PID, never the shared server.
 */
export interface PrivateRedis {
  readonly port: number
  readonly url: string
  /** PID of the running server, or `undefined` while it is down. */
  readonly pid: number | undefined
  /** Sends `signal` and, unless it is SIGSTOP/SIGCONT, waits until the process exited. */
  signal(signal: NodeJS.Signals): Promise<void>
  /** Starts the server again on the same port (after a kill); resolves once it answers PING. */
  start(): Promise<void>
  /** Kills the server (SIGKILL) and removes its directory. */
  close(): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'contact-repository-redis-'))
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  const start = async (): Promise<void> => {
    const server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    server.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const spawnError = new Promise<never>((_, reject) => {
      server.once('error', (error) => { reject(new Error('redis-server could not be started (is it on PATH?)', { cause: error })) })
    })
    live.add(server)
    exited = new Promise((resolve) => {
      server.once('exit', () => {
        live.delete(server)
        resolve()
      })
    })
    child = server
    const up = (async () => {
      for (let attempt = 0; attempt < 500; attempt++) {
        if (server.exitCode !== null) throw new Error(`redis-server exited at start: ${stderr}`)
        if (await answersPing(port)) return
        await delay(10)
      }
      throw new Error(`redis-server on port ${port} did not answer PING`)
    })()
    await Promise.race([up, spawnError])
  }

  // A process ended by a signal keeps exitCode null: only both being null means it runs.
  const running = (process_: ChildProcess | undefined): process_ is ChildProcess & { pid: number } =>
    process_?.pid !== undefined && process_.exitCode === null && process_.signalCode === null

  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return running(child) ? child.pid : undefined
    },
    async signal(signal) {
      const target = child
      if (!running(target)) throw new Error('the private redis-server is not running')
      process.kill(target.pid, signal)
      if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await exited
    },
    start,
    async close() {
      if (running(child)) {
        process.kill(child.pid, 'SIGCONT')
        process.kill(child.pid, 'SIGKILL')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  return port
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => { done(false) })
    socket.once('error', () => { done(false) })
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
  })
}
