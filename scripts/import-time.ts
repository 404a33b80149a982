import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'

/*
 * Import time of module specifiers, each in a fresh Node process, interleaved round by round
 * so that a noisy machine slows every contender alike. Prints the median and the fastest of
 * each, in milliseconds, from the first `import()` to its settling (Node's own start-up is
 * not counted).
 *
 *   tsx scripts/import-time.ts [--cwd DIR] [--rounds N] SPECIFIER [+SPECIFIER...] ...
 *
 * `a+b` imports a and b together (in parallel), e.g. what an older main entry loaded in one.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { cwd: { type: 'string', default: process.cwd() }, rounds: { type: 'string', default: '9' } },
})
const rounds = Number(values.rounds)
if (positionals.length === 0 || !Number.isSafeInteger(rounds) || rounds < 1) {
  console.error('usage: tsx scripts/import-time.ts [--cwd DIR] [--rounds N] SPECIFIER[+SPECIFIER...] ...')
  process.exit(2)
}

function importOnce(entry: string): number {
  const specifiers = entry.split('+')
  const code = `const t = performance.now(); await Promise.all(${JSON.stringify(specifiers)}.map((s) => import(s))); console.log(performance.now() - t)`
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: values.cwd, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`importing ${entry} failed: ${run.stderr}`)
  return Number(run.stdout.trim())
}

const samples = new Map<string, number[]>(positionals.map((entry) => [entry, []]))
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? positionals : [...positionals].reverse()
  for (const entry of order) samples.get(entry)?.push(importOnce(entry))
}
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const first = median(samples.get(positionals[0]!)!)
for (const [entry, xs] of samples) {
  const m = median(xs)
  console.log(
    `import ${entry.padEnd(48)} median ${m.toFixed(0).padStart(4)} ms, fastest ${Math.min(...xs).toFixed(0).padStart(4)} ms` +
      `, ${(m / first).toFixed(2)}x the first (${rounds} fresh processes each)`,
  )
}
