import { formatNumber, formatRatio } from '../lib/format.js'
import {
  HTTP_BENCH_REQUEST,
  loadWithAutocannon,
  serverKey,
  startHttpServers,
  type HttpContenderKind,
  type HttpFramework,
  type HttpServerProcess,
} from '../lib/http-bench.js'
import { summarize } from '../lib/percentiles.js'
import type { Scenario, TargetCheck } from '../lib/scenario.js'

const FRAMEWORKS: readonly { readonly key: HttpFramework; readonly name: string }[] = [
  { key: 'node-http', name: 'node:http' },
  { key: 'express', name: 'Express 5' },
  { key: 'fastify', name: 'Fastify 5' },
]
const KINDS: readonly HttpContenderKind[] = ['adapter', 'bare']

/** The targets: CPU per request and requests/s of an adapter against its framework's bare endpoint. */
const MAX_CPU_RATIO = 1.2
const MIN_THROUGHPUT_RATIO = 0.85
/** The fixed rate for the CPU comparison, as a share of the slower contender's closed-loop rate. */
const FIXED_RATE_SHARE = 0.5

/** One round of one framework: both contenders' closed-loop rate and CPU per request at the fixed rate. */
interface Round {
  readonly requestsPerSecond: Record<HttpContenderKind, number>
  readonly cpuMicrosPerRequest: Record<HttpContenderKind, number>
}

interface Answer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** One response, with what differs from request to request (the date, the request ID) masked. */
async function answerOf(url: string): Promise<Answer> {
  const response = await fetch(url, HTTP_BENCH_REQUEST)
  const text = await response.text()
  const requestId = response.headers.get('x-request-id') ?? ''
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'date') headers[name] = name === 'x-request-id' ? `<${value.length} chars>` : value
  })
  return { status: response.status, headers, body: requestId === '' ? text : text.replaceAll(requestId, '<request id>') }
}

const median = (values: readonly number[]): number => summarize(values).p50

const scenario: Scenario = {
  id: 'http',
  title: 'The HTTP layer: each adapter against a bare endpoint of its framework',
  order: 9,
  measures: "requests/s and CPU per request of the node:http, Express and Fastify adapters serving the demo's request for 5 cached contacts",
  against: 'a bare endpoint of the same framework answering the same bytes, interleaved in one run; targets CPU ≤ 1.2x, requests/s ≥ 0.85x',
  async run({ quick, log }) {
    const rounds = quick ? 1 : 4
    const seconds = quick ? 0.2 : 2.5
    // Until the JIT has seen enough requests: this many, or for at most this long (none in a
    // quick run, whose rate is then the floor of 100 requests/s).
    const warmup = quick ? { requests: 0, seconds: 0 } : { requests: 30_000, seconds: 12 }
    const wanted = FRAMEWORKS.flatMap(({ key }) => KINDS.map((kind) => ({ framework: key, kind })))
    // One process per server in a full run; all in one for a quick run (see the probe).
    const groups = quick ? [wanted] : wanted.map((server) => [server])
    log(`starting ${wanted.length} servers in ${groups.length} process(es)`)
    const processes: HttpServerProcess[] = []
    const servers = new Map<string, { readonly process: HttpServerProcess; readonly url: string }>()
    const serverOf = (framework: HttpFramework, kind: HttpContenderKind): { readonly process: HttpServerProcess; readonly url: string } => {
      const server = servers.get(serverKey(framework, kind))
      if (server === undefined) throw new Error(`no ${kind} ${framework} server`)
      return server
    }
    try {
      await Promise.all(
        groups.map(async (group) => {
          const started = await startHttpServers({ servers: group })
          processes.push(started)
          for (const [key, url] of started.urls) servers.set(key, { process: started, url })
        }),
      )
      // Same bytes from both contenders of a framework, or the comparison means nothing.
      for (const { key, name } of FRAMEWORKS) {
        const [adapter, bare] = await Promise.all(KINDS.map((kind) => answerOf(serverOf(key, kind).url)))
        if (JSON.stringify(adapter) !== JSON.stringify(bare)) {
          throw new Error(`${name}: the adapter and the bare endpoint answer differently:\n${JSON.stringify(adapter)}\n${JSON.stringify(bare)}`)
        }
        if (adapter?.status !== 200) throw new Error(`${name}: status ${String(adapter?.status)}`)
      }
      const bodyBytes = Buffer.byteLength((await answerOf(serverOf('node-http', 'bare').url)).body.replace('<request id>', 'x'.repeat(36)))

      if (!quick) log(`warming up every server (${formatNumber(warmup.requests)} requests or ${warmup.seconds} s each)`)
      const rates = new Map<HttpFramework, number>()
      for (const { key } of FRAMEWORKS) {
        const lastRates: number[] = []
        for (const kind of KINDS) {
          const { url } = serverOf(key, kind)
          let requests = 0
          let last = 0
          const started = performance.now()
          while (requests < warmup.requests && performance.now() - started < warmup.seconds * 1000) {
            const load = await loadWithAutocannon(url, Math.min(1, warmup.seconds))
            requests += load.responses
            last = load.requestsPerSecond
          }
          lastRates.push(last)
        }
        rates.set(key, Math.max(100, Math.round((FIXED_RATE_SHARE * Math.min(...lastRates)) / 100) * 100))
      }

      const results = new Map<HttpFramework, Round[]>(FRAMEWORKS.map(({ key }) => [key, []]))
      for (let round = 0; round < rounds; round++) {
        for (const { key, name } of FRAMEWORKS) {
          // ABBA: the order flips every round, and within a round the CPU pass runs in reverse.
          const order: readonly HttpContenderKind[] = round % 2 === 0 ? KINDS : [...KINDS].reverse()
          const requestsPerSecond = {} as Record<HttpContenderKind, number>
          const cpuMicrosPerRequest = {} as Record<HttpContenderKind, number>
          for (const kind of order) {
            requestsPerSecond[kind] = (await loadWithAutocannon(serverOf(key, kind).url, seconds)).requestsPerSecond
          }
          const rate = rates.get(key) ?? 1000
          for (const kind of [...order].reverse()) {
            const { process, url } = serverOf(key, kind)
            const { micros, served } = await process.cpuDuring(() => loadWithAutocannon(url, seconds, rate))
            cpuMicrosPerRequest[kind] = micros / served
          }
          results.get(key)?.push({ requestsPerSecond, cpuMicrosPerRequest })
          log(
            `round ${round + 1}/${rounds} ${name}: ${formatNumber(requestsPerSecond.adapter)} vs ${formatNumber(requestsPerSecond.bare)} req/s, ` +
              `${formatNumber(cpuMicrosPerRequest.adapter)} vs ${formatNumber(cpuMicrosPerRequest.bare)} us CPU per request at ${formatNumber(rate)} req/s`,
          )
        }
      }

      const rows: (string | number)[][] = []
      const targets: TargetCheck[] = []
      const figures: Record<string, unknown> = { rounds, seconds, bodyBytes, rates: Object.fromEntries(rates) }
      for (const { key, name } of FRAMEWORKS) {
        const list = results.get(key) ?? []
        const cpuRatios = list.map((r) => r.cpuMicrosPerRequest.adapter / r.cpuMicrosPerRequest.bare)
        const throughputRatios = list.map((r) => r.requestsPerSecond.adapter / r.requestsPerSecond.bare)
        const cpuRatio = median(cpuRatios)
        const throughputRatio = median(throughputRatios)
        const spread = (values: readonly number[]): string => `${formatRatio(Math.min(...values))}-${formatRatio(Math.max(...values))}`
        for (const kind of KINDS) {
          rows.push([
            name,
            kind === 'adapter' ? `contact-repository/${key}` : `bare ${name} endpoint`,
            formatNumber(median(list.map((r) => r.requestsPerSecond[kind]))),
            kind === 'adapter' ? `${formatRatio(throughputRatio)} (${spread(throughputRatios)})` : '1.00x',
            formatNumber(median(list.map((r) => r.cpuMicrosPerRequest[kind]))),
            kind === 'adapter' ? `${formatRatio(cpuRatio)} (${spread(cpuRatios)})` : '1.00x',
          ])
        }
        targets.push(
          {
            target: `${name} adapter: CPU per request at most ${MAX_CPU_RATIO}x the bare ${name} endpoint`,
            measured: `${formatRatio(cpuRatio)} (median of ${list.length} rounds at ${formatNumber(rates.get(key) ?? 0)} req/s)`,
            met: quick ? undefined : cpuRatio <= MAX_CPU_RATIO,
          },
          {
            target: `${name} adapter: requests/s at least ${MIN_THROUGHPUT_RATIO}x the bare ${name} endpoint`,
            measured: `${formatRatio(throughputRatio)} (median of ${list.length} rounds)`,
            met: quick ? undefined : throughputRatio >= MIN_THROUGHPUT_RATIO,
          },
        )
        figures[key] = { rounds: list, cpuRatio, throughputRatio }
      }
      return {
        method: [
          `Six server processes on 127.0.0.1: for each of node:http, Express 5 and Fastify 5, the get-many endpoint through the library's adapter (a ContactRepository on the demo's SQLite database, the 5 requested contacts cached) and a bare endpoint of the same framework (the same bearer-token check, its own JSON body parsing, the IDs looked up in a Map, the same JSON written). Both answer the same bytes (${formatNumber(bodyBytes)}-byte bodies, a 36-character request ID each); the run checks it first.`,
          `autocannon (16 connections, loopback only) sends the demo's request for the 5 IDs of tenant 1. Each round measures, per framework and in ABBA order, the requests/s each contender reaches in ${seconds} s as fast as it can, then the CPU time its process spends per request at one fixed rate for both (${FIXED_RATE_SHARE * 100}% of the slower contender's warm-up rate): in a closed loop the faster server batches more work per event-loop turn, which would flatter it. Ratios are taken per round and their median over ${rounds} round(s) reported, with their range.`,
        ],
        tables: [
          {
            title: 'Requests/s and CPU per request: each adapter against the bare endpoint of its framework',
            columns: ['framework', 'contender', 'requests/s', 'ratio (range)', 'CPU us per request (fixed rate)', 'ratio (range)'],
            rows,
            note: `Fixed rates: ${FRAMEWORKS.map(({ key, name }) => `${name} ${formatNumber(rates.get(key) ?? 0)} req/s`).join(', ')}. CPU is the server process's user + system time over the requests it served.`,
          },
        ],
        targets,
        charts: [
          {
            kind: 'bars',
            id: 'cpu-per-request',
            title: 'CPU per request at a fixed rate (us): adapter and bare endpoint of each framework',
            unit: 'us',
            groups: FRAMEWORKS.map(({ key, name }) => ({
              label: name,
              bars: KINDS.map((kind) => ({
                label: kind === 'adapter' ? 'adapter' : 'bare',
                value: median((results.get(key) ?? []).map((r) => r.cpuMicrosPerRequest[kind])),
              })),
            })),
          },
        ],
        figures,
      }
    } finally {
      await Promise.all(processes.map((started) => started.close()))
    }
  },
}

export default scenario
