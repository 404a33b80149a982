import { fork, type ChildProcess } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command, CommandResults, Reply, Request, TailerLog } from './binlog-fleet-protocol.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../..')
const WORKER = join(here, 'binlog-fleet-worker.ts')

/** One binlog fleet worker (`node --import tsx binlog-fleet-worker.ts`), driven over IPC. */
export class BinlogFleetProcess {
  readonly name: string
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  #nextId = 0
  /** What this worker's tailers sent, per bus (one bus per configuration), kept after a kill. */
  readonly tailerLogs = new Map<string, TailerLog>()
  readonly ready: Promise<void>
  readonly exited: Promise<void>

  constructor(name: string) {
    this.name = name
    this.#child = fork(WORKER, [], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    })
    this.exited = new Promise((resolveExit) => this.#child.once('exit', () => { resolveExit() }))
    this.ready = new Promise((resolveReady, rejectReady) => {
      this.#child.once('exit', (code, signal) => {
        const error = new Error(`worker ${name} exited (${code ?? signal ?? '?'})`)
        rejectReady(error)
        for (const waiter of this.#pending.values()) waiter.reject(error)
        this.#pending.clear()
      })
      this.#child.on('message', (raw) => {
        const reply = raw as Reply
        if (reply.type === 'ready') {
          resolveReady()
          return
        }
        if (reply.type === 'send' || reply.type === 'published') {
          let log = this.tailerLogs.get(reply.busId)
          if (log === undefined) {
            log = { busId: reply.busId, published: [], sends: [] }
            this.tailerLogs.set(reply.busId, log)
          }
          if (reply.type === 'send') log.sends.push(reply.send)
          else log.published.push({ seq: reply.seq, message: reply.message })
          return
        }
        const waiter = this.#pending.get(reply.id)
        this.#pending.delete(reply.id)
        if (reply.ok) waiter?.resolve(reply.result)
        else waiter?.reject(new Error(`worker ${name}: ${reply.error}`))
      })
    })
    this.ready.catch(() => undefined)
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  request<C extends Command>(command: C): Promise<CommandResults[C['cmd']]> {
    const id = ++this.#nextId
    return new Promise((resolvePromise, reject) => {
      this.#pending.set(id, { resolve: resolvePromise as (value: unknown) => void, reject })
      this.#child.send({ id, command } satisfies Request)
    })
  }

  /** Kills the worker with `signal` (SIGKILL: no cleanup at all) and waits for it to exit. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive) return
    this.#child.kill(signal)
    await this.exited
  }

  /** Lets the worker tear down (it closes its source, bus, repository) and exit. */
  async stop(): Promise<void> {
    if (!this.alive) return
    this.#child.disconnect()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000)
    await this.exited
    clearTimeout(timer)
  }
}

/** Starts workers in parallel and waits until each has loaded. */
export async function startBinlogFleet(names: readonly string[]): Promise<BinlogFleetProcess[]> {
  const fleet = names.map((name) => new BinlogFleetProcess(name))
  try {
    await Promise.all(fleet.map((worker) => worker.ready))
  } catch (error) {
    await Promise.all(fleet.map((worker) => worker.stop()))
    throw error
  }
  return fleet
}
