import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { BaselineCache } from '../../bench/lib/baseline-cache.js'
import { beladyHits } from '../../bench/lib/belady.js'
import { lruHits } from '../../bench/lib/lru-hits.js'
import { createRandom } from '../../bench/lib/random.js'
import type { TraceCell } from '../../bench/lib/trace-cells.js'
import { packJobs } from '../../bench/lib/trace-jobs.js'
import { baselineHits, replayThroughRepository, runTraceJob, type TraceJob } from '../../bench/lib/trace-replay.js'
import { checkTraceTargets } from '../../bench/lib/trace-targets.js'
import { idOfKey, keyOfId, requestsPerTenant, tenantOfId, tenantOfKey } from '../../bench/lib/trace-tenants.js'
import { wTinyLfuHits } from '../../bench/lib/w-tiny-lfu-hits.js'
import { ZipfSampler } from '../../bench/lib/zipf-sampler.js'

const temp = mkdtempSync(join(tmpdir(), 'trace-replay-'))
afterAll(() => {
  rmSync(temp, { recursive: true, force: true })
})

/** `length` Zipf-distributed keys over `n` items (rank shuffled by a multiplier so keys are not sorted by popularity). */
function generateZipfTrace(length: number, n: number, s: number, seed: number): number[] {
  const sampler = new ZipfSampler(n, s, createRandom(seed))
  return Array.from({ length }, () => (sampler.next() * 7919) % n)
}

/** Writes keys as a trace file of the shared format into the temp folder. */
function writeTrace(name: string, keys: readonly number[]): void {
  const bytes = Buffer.alloc(4 * keys.length)
  keys.forEach((key, i) => bytes.writeInt32LE(key, 4 * i))
  writeFileSync(join(temp, `${name}.i32le.gz`), gzipSync(bytes))
}

describe('the tenant split of renumbered keys', () => {
  it('maps keys to (tenant, contact ID) pairs one to one, and every ID to its owner', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.nat(2_000), (tenants, n) => {
        const pairs = new Set<string>()
        for (let key = 0; key < n; key += 7) {
          const tenant = tenantOfKey(key, tenants)
          const id = idOfKey(key)
          expect(tenant).toBeGreaterThanOrEqual(1)
          expect(tenant).toBeLessThanOrEqual(tenants)
          expect(id).toBeGreaterThan(0)
          expect(keyOfId(id)).toBe(key)
          expect(tenantOfId(id, tenants)).toBe(tenant)
          pairs.add(`${tenant}/${id}`)
        }
        expect(pairs.size).toBe(Math.ceil(n / 7))
      }),
    )
  })

  it('counts the requests each tenant gets', () => {
    expect(requestsPerTenant([0, 1, 2, 8, 9, 16, 7], 8)).toEqual([3, 2, 1, 0, 0, 0, 0, 1])
    expect(requestsPerTenant([0, 1, 2], 1)).toEqual([3])
  })
})

describe('wTinyLfuHits (transitory)', () => {
  it('never holds more than the cache size: the first capacity+1 keys twice give at most capacity hits', () => {
    // Left alone, transitory evicts only after a 1% (at least 5 entries) overshoot: it would hit all 101.
    const capacity = 100
    const keys = [...Array.from({ length: capacity + 1 }, (_, i) => i), ...Array.from({ length: capacity + 1 }, (_, i) => i)]
    expect(wTinyLfuHits(keys, capacity)).toBeLessThanOrEqual(capacity)
    expect(wTinyLfuHits(keys, capacity + 1)).toBe(capacity + 1)
  })

  it('keeps part of a loop that LRU keeps none of, and stays between compulsory misses and Belady', () => {
    const loop = Array.from({ length: 20_000 }, (_, i) => i % 1_000)
    expect(lruHits(loop, 500)).toBe(0)
    expect(wTinyLfuHits(loop, 500)).toBeGreaterThan(0.2 * loop.length)
    const zipf = generateZipfTrace(30_000, 5_000, 0.9, 7)
    const distinct = new Set(zipf).size
    for (const capacity of [50, 500]) {
      const hits = wTinyLfuHits(zipf, capacity)
      expect(hits).toBeLessThanOrEqual(beladyHits(zipf, capacity))
      expect(hits).toBeGreaterThan(lruHits(zipf, capacity)) // frequency wins on a Zipf with a small cache
    }
    expect(wTinyLfuHits(zipf, 5_000)).toBe(zipf.length - distinct)
  })

  it('is reproducible (its one random branch is seeded) and leaves Math.random as it was', () => {
    const zipf = generateZipfTrace(20_000, 2_000, 1.1, 3)
    const random = Math.random
    expect(wTinyLfuHits(zipf, 100)).toBe(wTinyLfuHits(zipf, 100))
    expect(Math.random).toBe(random)
  })
})

describe('baselineHits', () => {
  it('gives both Belady variants, the one that may decline the key never below the other', () => {
    const zipf = Int32Array.from(generateZipfTrace(20_000, 3_000, 0.8, 11))
    const hits = baselineHits(zipf, 200)
    expect(hits.requests).toBe(20_000)
    expect(hits.lru).toBe(lruHits(zipf, 200))
    expect(hits.belady).toBe(beladyHits(zipf, 200))
    expect(hits.beladyAdmitAll).toBeLessThan(hits.belady)
    expect(hits.beladyAdmitAll).toBeGreaterThanOrEqual(Math.max(hits.lru, hits.wTinyLfu))
  })
})

describe('replayThroughRepository', () => {
  const zipf = Int32Array.from(generateZipfTrace(6_000, 1_500, 0.9, 5))
  const distinct = new Set(zipf).size

  it('counts every request: only compulsory misses when everything fits, never more hits than Belady', async () => {
    const roomy = await replayThroughRepository(zipf, 2_000, 1)
    expect({ hits: roomy.hits, misses: roomy.misses }).toEqual({ hits: zipf.length - distinct, misses: distinct })
    const tight = await replayThroughRepository(zipf, 100, 1)
    expect(tight.hits + tight.misses).toBe(zipf.length)
    expect(tight.hits).toBeLessThanOrEqual(beladyHits(zipf, 100))
    expect(tight.hits).toBeLessThan(roomy.hits)
  })

  it('replays the split over 8 tenants with the same total capacity', async () => {
    const roomy = await replayThroughRepository(zipf, 2_000, 8)
    expect({ hits: roomy.hits, misses: roomy.misses }).toEqual({ hits: zipf.length - distinct, misses: distinct })
    const tight = await replayThroughRepository(zipf, 100, 8)
    expect(tight.hits).toBeLessThanOrEqual(beladyHits(zipf, 100))
  })
})

describe('runTraceJob on a trace file', () => {
  it('reads, renumbers and replays it, and reports a missing file as missing', async () => {
    const raw = generateZipfTrace(3_000, 800, 0.9, 9).map((k) => k * 1_000 - 50_000) // sparse, some negative
    writeTrace('sparse', raw)
    const base = await runTraceJob({ kind: 'baselines', trace: 'sparse', dir: temp, sizes: [50, 5_000] })
    expect(base.kind).toBe('baselines')
    if (base.kind !== 'baselines') return
    expect(base.hits.map((h) => h.lru)).toEqual([lruHits(raw, 50), raw.length - new Set(raw).size])
    const replay = await runTraceJob({ kind: 'repository', trace: 'sparse', dir: temp, sizes: [5_000], tenants: 8, prefix: 1_000 })
    expect(replay.kind === 'repository' ? replay.hits[0]?.requests : undefined).toBe(1_000)
    expect(await runTraceJob({ kind: 'baselines', trace: 'absent', dir: temp, sizes: [10] })).toEqual({ kind: 'missing' })
  })
})

describe('BaselineCache', () => {
  it('returns what was stored for the same trace file, and nothing once the file changed or reuse is off', () => {
    writeTrace('cached', [1, 2, 3, 1])
    const cache = new BaselineCache(join(temp, 'cache'))
    const source = { trace: 'cached', dir: temp }
    const hits = { requests: 4, lru: 1, wTinyLfu: 1, belady: 1, beladyAdmitAll: 1 }
    expect(cache.get(source, 2)).toBeUndefined()
    cache.set(source, 2, hits)
    expect(cache.get(source, 2)).toEqual(hits)
    expect(cache.get(source, 3)).toBeUndefined()
    expect(cache.get({ ...source, prefix: 3 }, 2)).toBeUndefined()
    expect(new BaselineCache(join(temp, 'cache'), { reuse: false }).get(source, 2)).toBeUndefined()
    writeTrace('cached', [1, 2, 3, 2])
    expect(new BaselineCache(join(temp, 'cache')).get(source, 2)).toBeUndefined()
  })
})

describe('packJobs', () => {
  it('puts every job in exactly one batch, costliest batch first, small jobs together', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (costs, concurrency) => {
        const jobs: TraceJob[] = costs.map((cost) => ({ kind: 'baselines', trace: String(cost), dir: '', sizes: [] }))
        const cost = (job: TraceJob): number => Number(job.trace)
        const batches = packJobs(jobs, cost, concurrency, 100)
        expect(batches.flat().sort((a, b) => a - b)).toEqual(costs.map((_, i) => i))
        const total = costs.reduce((a, b) => a + b, 0)
        const target = Math.max(100, total / (4 * concurrency))
        const batchCosts = batches.map((b) => b.reduce((sum, i) => sum + (costs[i] ?? 0), 0))
        for (const [k, batch] of batches.entries()) if (batch.length > 1) expect(batchCosts[k]).toBeLessThanOrEqual(target)
        for (let k = 1; k < batchCosts.length; k++) expect(batchCosts[k]).toBeLessThanOrEqual(batchCosts[k - 1]!)
      }),
    )
  })
})

describe('checkTraceTargets', () => {
  const cell = (repository: number, split: number, lru: number, wTinyLfu: number): TraceCell => ({
    trace: 't',
    size: 1,
    requests: 100,
    repository: { 1: repository, 8: split },
    referenceOnly: false,
    lru,
    wTinyLfu,
    belady: 0.9,
    beladyAdmitAll: 0.9,
    baselinesCached: false,
  })

  it('holds each cell against max(LRU, W-TinyLFU) − 1 point, the mean against W-TinyLFU, the split within 0.5 point', () => {
    const met = checkTraceTargets([cell(0.5, 0.504, 0.4, 0.51), cell(0.6, 0.597, 0.61, 0.3)], [1, 8])
    expect(met.everyCell).toMatchObject({ met: true, cellsMet: 2 })
    expect(met.mean.met).toBe(true) // 0.55 vs 0.405
    expect(met.split).toMatchObject({ met: true, tenants: 8, cellsMet: 2 })
    expect(met.belowLru).toBe(1)

    const missed = checkTraceTargets([cell(0.5, 0.506, 0.4, 0.52), cell(0.3, 0.3, 0.2, 0.31)], [1, 8])
    expect(missed.everyCell).toMatchObject({ met: false, cellsMet: 1 })
    expect(missed.everyCell.worst?.repository[1]).toBe(0.5)
    expect(missed.mean.met).toBe(false) // 0.4 vs 0.415
    expect(missed.split).toMatchObject({ met: false, cellsMet: 1 })
    expect(checkTraceTargets([cell(0.5, 0.5, 0.4, 0.4)], [1]).split).toBeUndefined()
  })
})
