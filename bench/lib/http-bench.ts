import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

/** The request every contender answers: the demo's 5 contacts of tenant 1, all cached. */
export const HTTP_BENCH_PATH = '/contacts/get-many'
export const HTTP_BENCH_IDS: readonly number[] = [1, 2, 3, 4, 5]
export const HTTP_BENCH_REQUEST = {
  method: 'POST' as const,
  headers: { authorization: 'Bearer demo-tenant-1', 'content-type': 'application/json' },
  body: JSON.stringify({ ids: HTTP_BENCH_IDS }),
}

export type HttpFramework = 'node-http' | 'express' | 'fastify'
export type HttpContenderKind = 'adapter' | 'bare'

/** A process of bench/probes/http-server-probe.ts serves these. */
export interface HttpServerProbeInput {
  readonly servers: readonly { readonly framework: HttpFramework; readonly kind: HttpContenderKind }[]
}

/** How a server is named between the scenario and its process. */
export const serverKey = (framework: HttpFramework, kind: HttpContenderKind): string => `${kind} ${framework}`

/** From the scenario to a server process. */
export type ProbeMessage = { readonly type: 'cpu-start' } | { readonly type: 'cpu-stop' } | { readonly type: 'close' }

/** From a server process to the scenario. */
export type ProbeReply =
  | { readonly type: 'ready'; readonly ports: Readonly<Record<string, number>> }
  | { readonly type: 'cpu-started' }
  | { readonly type: 'cpu'; readonly micros: number; readonly served: number }

/** A process of bench/probes/http-server-probe.ts, its servers listening on 127.0.0.1. */
export interface HttpServerProcess {
  /** URL of the endpoint of each server, by {@link serverKey}. */
  readonly urls: ReadonlyMap<string, string>
  /** Runs `load` and returns the process's CPU time (us) and the requests it served meanwhile. */
  cpuDuring(load: () => Promise<unknown>): Promise<{ micros: number; served: number }>
  close(): Promise<void>
}

const PROBE = new URL('../probes/http-server-probe.ts', import.meta.url)

/** Starts one server process and waits until its servers listen. */
export async function startHttpServers(input: HttpServerProbeInput): Promise<HttpServerProcess> {
  const child = fork(fileURLToPath(PROBE), [JSON.stringify(input)], { execArgv: ['--import', 'tsx', ...(process.env.HTTP_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const next = (type: ProbeReply['type']): Promise<ProbeReply> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: ProbeReply): void => {
        if (message.type !== type) return
        child.off('message', onMessage)
        child.off('exit', onExit)
        resolve(message)
      }
      const onExit = (code: number | null): void => {
        child.off('message', onMessage)
        reject(new Error(`the HTTP server process exited (${String(code)}): ${stderr.slice(-2000)}`))
      }
      child.on('message', onMessage)
      child.once('exit', onExit)
    })
  const ready = await next('ready')
  if (ready.type !== 'ready') throw new Error('unreachable')
  return {
    urls: new Map(Object.entries(ready.ports).map(([key, port]) => [key, `http://127.0.0.1:${port}${HTTP_BENCH_PATH}`])),
    async cpuDuring(load) {
      const started = next('cpu-started')
      child.send({ type: 'cpu-start' } satisfies ProbeMessage)
      await started
      await load()
      const stopped = next('cpu')
      child.send({ type: 'cpu-stop' } satisfies ProbeMessage)
      const result = await stopped
      if (result.type !== 'cpu') throw new Error('unreachable')
      return { micros: result.micros, served: result.served }
    },
    close: () => closeChild(child),
  }
}

function closeChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve()
      return
    }
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 5_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.send({ type: 'close' } satisfies ProbeMessage)
  })
}

export interface LoadResult {
  /** 2xx responses per second over the run. */
  readonly requestsPerSecond: number
  readonly responses: number
}

/**
 * Loads `url` on loopback with autocannon for `seconds`: as fast as 16 connections go, or at
 * `rate` requests per second in all. Any non-2xx response or error fails the run.
 */
export async function loadWithAutocannon(url: string, seconds: number, rate?: number): Promise<LoadResult> {
  const result = await autocannon({
    url,
    ...HTTP_BENCH_REQUEST,
    connections: 16,
    duration: seconds,
    // autocannon notices the end of `duration` only when it samples: every second by default.
    sampleInt: 100,
    ...(rate === undefined ? {} : { overallRate: rate }),
  })
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts`)
  }
  return { requestsPerSecond: result['2xx'] / result.duration, responses: result['2xx'] }
}
