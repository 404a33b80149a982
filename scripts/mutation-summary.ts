/**
 * Prints the per-file table of docs/mutation-testing.md, and the surviving mutants, from one or
 * more Stryker JSON reports (reports/mutation/mutation.json by default):
 *
 *   npx tsx scripts/mutation-summary.ts [report.json ...]
 *
 * Several reports (one per run on part of src/) are merged, the last one winning per file.
 */
import { readFileSync } from 'node:fs'

interface Mutant {
  id: string
  mutatorName: string
  status: string
  replacement?: string
  location: { start: { line: number; column: number } }
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>
}

const paths = process.argv.slice(2)
const files = new Map<string, { source: string; mutants: Mutant[] }>()
for (const path of paths.length > 0 ? paths : ['reports/mutation/mutation.json']) {
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report
  for (const [name, file] of Object.entries(report.files)) files.set(name, file)
}

const STATUSES = ['Killed', 'Survived', 'Timeout', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored'] as const
const total = new Map<string, number>()
const rows: string[] = []
// Stryker's own definition: detected (killed + timeout) over valid mutants (detected + survived + no coverage).
const score = (count: (status: string) => number): string => {
  const detected = count('Killed') + count('Timeout')
  const valid = detected + count('Survived') + count('NoCoverage')
  return valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)}%`
}
for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  const counts = new Map<string, number>()
  for (const mutant of file.mutants) {
    counts.set(mutant.status, (counts.get(mutant.status) ?? 0) + 1)
    total.set(mutant.status, (total.get(mutant.status) ?? 0) + 1)
  }
  const count = (status: string): number => counts.get(status) ?? 0
  rows.push(`| \`${name}\` | ${score(count)} | ${STATUSES.map(count).join(' | ')} |`)
}
const count = (status: string): number => total.get(status) ?? 0
console.log(`| file | score | killed | survived | timeout | no coverage | compile error | runtime error | ignored |`)
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`)
for (const row of rows) console.log(row)
console.log(`| **all** | **${score(count)}** | ${STATUSES.map(count).join(' | ')} |`)

console.log('\nSurvived and not covered:')
for (const [name, file] of files) {
  const lines = file.source.split('\n')
  for (const mutant of file.mutants) {
    if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue
    const { line, column } = mutant.location.start
    const code = (lines[line - 1] ?? '').trim()
    console.log(`${name}:${line}:${column} ${mutant.status} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement ?? '')} | ${code}`)
  }
}
