import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * Runs a bench/probes/ script in a fresh Node process (TypeScript through tsx) and returns
 * the JSON it prints as its last stdout line. A fresh process is what some measurements
 * need: a heap holding nothing else, or a JIT that has not been trained by other contenders
 * on the same library code (lru-cache's `get` runs measurably slower once a second caller
 * with other key types or options has warmed it up).
 */
export function runProbe<T>(script: URL, input: unknown, nodeFlags: readonly string[] = []): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', fileURLToPath(script), JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8').trim()
      if (code !== 0) {
        reject(new Error(`${fileURLToPath(script)} exited with ${code ?? signal}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`))
        return
      }
      try {
        resolve(JSON.parse(stdout.slice(stdout.lastIndexOf('\n') + 1)) as T)
      } catch (error) {
        reject(new Error(`${fileURLToPath(script)} printed no JSON result: ${stdout.slice(-500)}`, { cause: error }))
      }
    })
  })
}

/** The probe's input, as {@link runProbe} passed it (the caller states its type). */
export function probeInput(): unknown {
  const raw = process.argv[2]
  if (raw === undefined) throw new Error('A probe takes its input as one JSON argument')
  return JSON.parse(raw)
}

/** Prints the probe's result for {@link runProbe}. */
export function probeOutput(result: unknown): void {
  process.stdout.write(`\n${JSON.stringify(result)}\n`)
}

/**
 * `fn` over every item, at most `limit` at a time, results in item order. For probes whose
 * results do not depend on speed (hit counts), so they may share the cores.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
