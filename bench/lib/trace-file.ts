import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

/** The environment variable that points the benchmarks at another traces folder. */
export const TRACES_DIR_VARIABLE = 'TRACES_DIR'

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The folder of the shared real traces (`NAME.i32le.gz`, described by its README.md): the
 * `TRACES_DIR` environment variable when set, else `../shared/traces` beside the repository.
 * In a linked git worktree (`.git` is a file) the main checkout's `../shared/traces` is tried
 * too, because worktrees usually live elsewhere than the checkout the shared folder sits beside.
 * The traces are read from there at run time, never copied into the repository.
 */
export function tracesDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[TRACES_DIR_VARIABLE]
  if (explicit !== undefined && explicit !== '') return resolve(explicit)
  const beside = resolve(REPOSITORY_ROOT, '../shared/traces')
  if (existsSync(beside)) return beside
  const main = mainCheckoutOf(REPOSITORY_ROOT)
  if (main !== undefined) {
    const besideMain = resolve(main, '../shared/traces')
    if (existsSync(besideMain)) return besideMain
  }
  return beside
}

/** The main working tree of a linked worktree, from its `.git` file; undefined otherwise. */
function mainCheckoutOf(root: string): string | undefined {
  const dotGit = join(root, '.git')
  if (!existsSync(dotGit) || statSync(dotGit).isDirectory()) return undefined
  // `.git` holds "gitdir: <main>/.git/worktrees/<name>"; that folder's `commondir` names <main>/.git.
  const gitDir = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim()
  if (gitDir === undefined) return undefined
  const worktreeGitDir = isAbsolute(gitDir) ? gitDir : resolve(root, gitDir)
  const commonDirFile = join(worktreeGitDir, 'commondir')
  const commonDir = existsSync(commonDirFile) ? resolve(worktreeGitDir, readFileSync(commonDirFile, 'utf8').trim()) : resolve(worktreeGitDir, '../..')
  return dirname(commonDir)
}

/** The path of trace `name` in `dir`. */
export function traceFile(name: string, dir: string = tracesDir()): string {
  return join(dir, `${name}.i32le.gz`)
}

/**
 * The keys of trace `name`, one per request in request order, as the file holds them (gzip of
 * 32-bit signed little-endian integers, no header). `prefix` keeps only the first requests.
 * Returns undefined when the file does not exist, so that a benchmark can skip the trace with
 * a note; any other problem (a truncated record, an unreadable file) throws.
 */
export function readTrace(name: string, options: { readonly dir?: string; readonly prefix?: number } = {}): Int32Array | undefined {
  const file = traceFile(name, options.dir ?? tracesDir())
  if (!existsSync(file)) return undefined
  const bytes = gunzipSync(readFileSync(file))
  if (bytes.length % 4 !== 0) throw new Error(`${file}: ${bytes.length} bytes is not a whole number of 32-bit records`)
  const total = bytes.length / 4
  const n = options.prefix === undefined ? total : Math.min(total, Math.max(0, Math.floor(options.prefix)))
  const keys = new Int32Array(n)
  for (let i = 0; i < n; i++) keys[i] = bytes.readInt32LE(4 * i)
  return keys
}

/** A trace's keys renumbered 0..distinct-1 in order of first appearance. */
export interface RenumberedTrace {
  readonly keys: Int32Array
  readonly distinct: number
}

/**
 * Renumbers keys 0..n-1 in order of first appearance: a bijection, so every policy's hit count
 * is unchanged, but the keys become dense (Belady's arrays stay small) and their low bits
 * spread evenly. The ORM traces pack type and sub-index bits into their keys, so `key % 8`
 * on the raw keys sends 85% of the requests to one tenant.
 */
export function renumberKeys(keys: ArrayLike<number>): RenumberedTrace {
  const numbers = new Map<number, number>()
  const out = new Int32Array(keys.length)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as number
    let number = numbers.get(key)
    if (number === undefined) {
      number = numbers.size
      numbers.set(key, number)
    }
    out[i] = number
  }
  return { keys: out, distinct: numbers.size }
}
