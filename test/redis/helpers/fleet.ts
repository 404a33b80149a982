import { fork, type ChildProcess } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command, CommandResults, Reply, Request } from './fleet-protocol.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../../..')
const WORKER = join(here, 'instance-worker.ts')

/** One instance worker (a child process running `node --import tsx instance-worker.ts`). */
export class InstanceProcess {
  readonly name: string
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  #nextId = 0
  #onProgress: ((done: number) => void) | undefined
  readonly ready: Promise<void>

  constructor(name: string) {
    this.name = name
    this.#child = fork(WORKER, [], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    })
    this.ready = new Promise((resolveReady, rejectReady) => {
      this.#child.once('exit', (code, signal) => {
        const error = new Error(`instance ${name} exited (${code ?? signal ?? '?'})`)
        rejectReady(error)
        for (const waiter of this.#pending.values()) waiter.reject(error)
        this.#pending.clear()
      })
      this.#child.on('message', (raw) => {
        const reply = raw as Reply
        if (reply.type === 'ready') resolveReady()
        else if (reply.type === 'progress') this.#onProgress?.(reply.done)
        else {
          const waiter = this.#pending.get(reply.id)
          this.#pending.delete(reply.id)
          if (reply.ok) waiter?.resolve(reply.result)
          else waiter?.reject(new Error(`instance ${name}: ${reply.error}`))
        }
      })
    })
    this.ready.catch(() => undefined)
  }

  request<C extends Command>(command: C): Promise<CommandResults[C['cmd']]> {
    const id = ++this.#nextId
    return new Promise((resolvePromise, reject) => {
      this.#pending.set(id, { resolve: resolvePromise as (value: unknown) => void, reject })
      this.#child.send({ id, command } satisfies Request)
    })
  }

  onProgress(listener: ((done: number) => void) | undefined): void {
    this.#onProgress = listener
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    const exited = new Promise<void>((resolveExit) => this.#child.once('exit', () => { resolveExit() }))
    this.#child.disconnect()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
}

/** Starts `count` instance workers in parallel and waits until each has loaded. */
export async function startFleet(names: readonly string[]): Promise<InstanceProcess[]> {
  const fleet = names.map((name) => new InstanceProcess(name))
  try {
    await Promise.all(fleet.map((instance) => instance.ready))
  } catch (error) {
    await Promise.all(fleet.map((instance) => instance.stop()))
    throw error
  }
  return fleet
}
