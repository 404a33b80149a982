import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { createConnection } from 'mysql2/promise'
import { MYSQL_URL } from './bench-table.js'

/** Where and with what a run was made, printed at the top of every report. */
export interface Environment {
  readonly date: string
  readonly commit: string
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  readonly loadAverage: readonly number[]
  readonly node: string
  readonly v8: string
  readonly database: string
  readonly packages: Readonly<Record<string, string>>
}

const PACKAGES = ['kysely', 'mysql2', 'lru-cache', 'dataloader', 'tinybench', 'tsx', 'typescript']

export async function describeEnvironment(): Promise<Environment> {
  const packages: Record<string, string> = {}
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string }
  packages[own.name] = own.version
  for (const name of PACKAGES) packages[name] = installedVersion(name)
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    commit: gitCommit(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
    node: process.version,
    v8: process.versions.v8,
    database: await databaseVersion(),
    packages,
  }
}

function installedVersion(name: string): string {
  try {
    const manifest = new URL(`../../node_modules/${name}/package.json`, import.meta.url)
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

function gitCommit(): string {
  // A run from an exported tree (git archive, no .git) is told its commit.
  const given = process.env.BENCH_COMMIT
  if (given !== undefined && given !== '') return `${given} (exported tree)`
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { encoding: 'utf8' }).trim()
    return dirty === '' ? commit : `${commit} (with uncommitted changes in src/ or bench/)`
  } catch {
    return 'unknown'
  }
}

async function databaseVersion(): Promise<string> {
  const connection = await createConnection(MYSQL_URL)
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version')
    return (rows as { version: string }[])[0]?.version ?? 'unknown'
  } finally {
    await connection.end()
  }
}
