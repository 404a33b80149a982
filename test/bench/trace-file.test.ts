import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { lruHits } from '../../bench/lib/lru-hits.js'
import { TRACES, sizesOf } from '../../bench/lib/published-hit-rates.js'
import { readTrace, renumberKeys, traceFile, tracesDir, TRACES_DIR_VARIABLE } from '../../bench/lib/trace-file.js'

const dir = tracesDir()
const available = existsSync(join(dir, 'README.md'))
// CI has the shared traces: there a missing folder is a broken setup, never a skip.
const required = process.env.CI === 'true'

/** The traces' README, parsed: its file table and its published-figure tables. */
function readme(): string {
  if (!available) throw new Error(`The shared traces folder is missing: no README.md in ${dir} (set ${TRACES_DIR_VARIABLE} or provide ../shared/traces)`)
  return readFileSync(join(dir, 'README.md'), 'utf8')
}

/** `| cs.i32le.gz | 6,781 | 1,409 | ... | sha |` rows of the README's file table. */
function fileTable(): Map<string, { requests: number; distinct: number; sha256: string }> {
  const rows = new Map<string, { requests: number; distinct: number; sha256: string }>()
  for (const line of readme().split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    const match = /^([a-z0-9-]+)\.i32le\.gz$/.exec(cells[1] ?? '')
    if (match?.[1] === undefined) continue
    rows.set(match[1], { requests: Number(cells[2]?.replace(/,/g, '')), distinct: Number(cells[3]?.replace(/,/g, '')), sha256: cells[5] ?? '' })
  }
  return rows
}

const temp = mkdtempSync(join(tmpdir(), 'trace-file-'))
afterAll(() => {
  rmSync(temp, { recursive: true, force: true })
})

describe('the shared traces folder', () => {
  it.runIf(required)('exists under CI (a missing folder fails here, it is not skipped)', () => {
    expect(available, `CI=true but ${dir} holds no README.md: the real-trace benchmarks would have nothing to replay`).toBe(true)
  })
})

describe.skipIf(!available && !required)('readTrace on the shared traces', () => {
  const small = ['cs', 'gli', 'cpp', 'ps', 'multi1']

  it.each(small)('%s: length, distinct keys and SHA-256 match the README table', (name) => {
    const expected = fileTable().get(name)
    expect(expected, `${name} is not in the README's table`).toBeDefined()
    const keys = readTrace(name, { dir })
    expect(keys, `${traceFile(name, dir)} is missing`).toBeDefined()
    expect(keys!.length).toBe(expected!.requests)
    expect(new Set(keys).size).toBe(expected!.distinct)
    expect(renumberKeys(keys!).distinct).toBe(expected!.distinct)
    expect(createHash('sha256').update(readFileSync(traceFile(name, dir))).digest('hex')).toBe(expected!.sha256)
  })

  it("the catalog transcribes the README's lengths and key counts for every trace", () => {
    const table = fileTable()
    expect([...table.keys()].sort()).toEqual(TRACES.map((t) => t.name).sort())
    for (const info of TRACES) expect({ name: info.name, requests: info.requests, distinct: info.distinct }).toEqual({ name: info.name, ...pick(table.get(info.name)) })
  })

  it("the catalog holds every published figure of the README's tables, at every size they list", () => {
    let section = ''
    let checked = 0
    const listed = new Set<string>()
    for (const line of readme().split('\n')) {
      if (line.startsWith('### ')) section = line
      const cells = line.split('|').map((c) => c.trim()).slice(1, -1)
      const info = TRACES.find((t) => t.name === cells[0]?.split(' ')[0])
      if (info === undefined || cells.length < 4 || !/^[\d@ /]+$/.test(cells[1] ?? '')) continue
      if (section.includes("cache2k's site data")) {
        // | trace | size | OPT | LRU | ...
        expect(info.sizes[Number(cells[1])], `${info.name} @${cells[1]}`).toMatchObject({ cache2kOpt: Number(cells[2]), cache2kLru: Number(cells[3]) })
        listed.add(`${info.name}@${cells[1]}`)
        checked++
      } else if (section.includes('cruftex.net')) {
        // | trace | size(s) | OPT | LRU | CLOCK | Caffeine 2.3 | ..., several sizes separated by " / "
        const column = (k: number): number[] => (cells[k] ?? '').split('/').map((v) => Number(v.trim()))
        column(1).forEach((size, i) => {
          expect(info.sizes[size], `${info.name} @${size}`).toMatchObject({ cruftexOpt: column(2)[i], cruftexLru: column(3)[i], caffeine23: column(5)[i] })
          listed.add(`${info.name}@${size}`)
          checked++
        })
      }
    }
    for (const line of readme().split('\n')) {
      // | orm-busy @4096 | density | reactive | LRU |
      const match = /^\| ([a-z0-9-]+) @(\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+)/.exec(line)
      if (match === null) continue
      const info = TRACES.find((t) => t.name === match[1])
      expect(info?.sizes[Number(match[2])], line).toMatchObject({ caffeineDensity: Number(match[3]), caffeineReactive: Number(match[4]), reportLru: Number(match[5]) })
      checked++
    }
    // cache2k site: 24 rows; cruftex.net: 12 ORM rows and 27 cells in its one-line rows; the report: 4 cells.
    expect(checked).toBe(24 + 12 + 27 + 4)
    // Replayed: every size of the cache2k and cruftex.net tables, plus cs @800, multi1 @1500, ps @500/1000/2000.
    const replayed = TRACES.flatMap((t) => sizesOf(t).map((size) => `${t.name}@${size}`))
    expect(replayed.sort()).toEqual([...listed, 'cs@800', 'multi1@1500', 'ps@500', 'ps@1000', 'ps@2000'].sort())
  })

  it('reads a prefix, and renumbering changes no hit count', () => {
    const whole = readTrace('cpp', { dir })!
    const prefix = readTrace('cpp', { dir, prefix: 1000 })!
    expect(prefix).toEqual(whole.subarray(0, 1000))
    const renumbered = renumberKeys(whole).keys
    for (const capacity of [20, 100, 500]) expect(lruHits(renumbered, capacity)).toBe(lruHits(whole, capacity))
  })

  it("spreads the ORM trace's requests evenly over 8 tenants only once renumbered", () => {
    const raw = readTrace('orm-busy', { dir, prefix: 200_000 })!
    const share = (keys: Int32Array): number => {
      const counts = new Array<number>(8).fill(0)
      for (const key of keys) counts[((key % 8) + 8) % 8]!++
      return Math.max(...counts) / keys.length
    }
    expect(share(raw)).toBeGreaterThan(0.5)
    expect(share(renumberKeys(raw).keys)).toBeLessThan(0.2)
  })
})

describe('readTrace on files of its own', () => {
  it('returns undefined for a missing trace, throws on a truncated one', () => {
    expect(readTrace('nope', { dir: temp })).toBeUndefined()
    writeFileSync(join(temp, 'torn.i32le.gz'), gzipSync(Buffer.from([1, 0, 0, 0, 2])))
    expect(() => readTrace('torn', { dir: temp })).toThrow(/whole number of 32-bit records/)
  })

  it('decodes signed little-endian 32-bit keys', () => {
    const bytes = Buffer.alloc(12)
    bytes.writeInt32LE(7, 0)
    bytes.writeInt32LE(-2, 4)
    bytes.writeInt32LE(2 ** 31 - 1, 8)
    writeFileSync(join(temp, 'three.i32le.gz'), gzipSync(bytes))
    expect([...readTrace('three', { dir: temp })!]).toEqual([7, -2, 2 ** 31 - 1])
    expect([...readTrace('three', { dir: temp, prefix: 2 })!]).toEqual([7, -2])
  })

  it(`honours ${TRACES_DIR_VARIABLE}`, () => {
    expect(tracesDir({ [TRACES_DIR_VARIABLE]: temp })).toBe(temp)
  })
})

describe('renumberKeys', () => {
  it('is a bijection onto 0..distinct-1, numbered in order of first appearance', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 300 }), fc.array(fc.nat(40), { maxLength: 300 }), (wide, narrow) => {
        for (const keys of [wide, narrow, [...narrow, ...wide, ...narrow]]) {
          const { keys: numbers, distinct } = renumberKeys(keys)
          expect(numbers.length).toBe(keys.length)
          expect(distinct).toBe(new Set(keys).size)
          const forward = new Map<number, number>()
          const backward = new Map<number, number>()
          let next = 0
          keys.forEach((key, i) => {
            const number = numbers[i]!
            if (!forward.has(key)) expect(number).toBe(next++) // first appearance: the next number
            expect(forward.get(key) ?? number).toBe(number) // same key, same number
            expect(backward.get(number) ?? key).toBe(key) // same number, same key
            forward.set(key, number)
            backward.set(number, key)
          })
          expect(next).toBe(distinct)
        }
      }),
    )
  })
})

function pick(row: { requests: number; distinct: number } | undefined): { requests: number; distinct: number } | undefined {
  return row === undefined ? undefined : { requests: row.requests, distinct: row.distinct }
}
