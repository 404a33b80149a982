import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { traceFile } from './trace-file.js'
import type { BaselineHits, TraceSource } from './trace-replay.js'
import { transitoryVersion } from './w-tiny-lfu-hits.js'

/**
 * Bump when the reference policies' code changes (lru-hits, w-tiny-lfu-hits, belady,
 * renumbering): every cached figure is then recomputed.
 */
const BASELINES_VERSION = 1

/** Where bench/hit-rates.ts keeps the figures: `.tmp/` of the repository, gitignored. */
export const DEFAULT_BASELINE_CACHE_DIR = fileURLToPath(new URL('../../.tmp/hit-rate-baselines/', import.meta.url))

/**
 * The reference policies' hits (LRU, W-TinyLFU, Belady) of a (trace, prefix, cache size) on
 * disk: they do not change while the repository's policy is being tuned, and on the ORM
 * traces they cost seconds per size. An entry is used only if the trace file's SHA-256, the
 * installed transitory and {@link BASELINES_VERSION} are those it was computed with. The
 * tenant split is not part of the key: the baselines are the same for every split (see
 * trace-tenants).
 */
export class BaselineCache {
  readonly #dir: string
  readonly #reuse: boolean
  readonly #digests = new Map<string, string>()

  /** `reuse: false` recomputes every figure (and stores it), e.g. after changing a reference policy. */
  constructor(dir: string = DEFAULT_BASELINE_CACHE_DIR, options: { readonly reuse?: boolean } = {}) {
    this.#dir = dir
    this.#reuse = options.reuse ?? true
  }

  get(source: TraceSource, size: number): BaselineHits | undefined {
    const file = this.#file(source, size)
    if (!this.#reuse || !existsSync(file)) return undefined
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint?: unknown; hits?: BaselineHits }
      return stored.fingerprint === this.#fingerprint(source) ? stored.hits : undefined
    } catch {
      return undefined // a torn or foreign file: recompute
    }
  }

  set(source: TraceSource, size: number, hits: BaselineHits): void {
    mkdirSync(this.#dir, { recursive: true })
    writeFileSync(this.#file(source, size), `${JSON.stringify({ fingerprint: this.#fingerprint(source), hits })}\n`)
  }

  #file(source: TraceSource, size: number): string {
    return join(this.#dir, `${source.trace}.${source.prefix ?? 'all'}.${size}.json`)
  }

  #fingerprint(source: TraceSource): string {
    const path = traceFile(source.trace, source.dir)
    let digest = this.#digests.get(path)
    if (digest === undefined) {
      digest = createHash('sha256').update(readFileSync(path)).digest('hex')
      this.#digests.set(path, digest)
    }
    return `v${BASELINES_VERSION} transitory ${transitoryVersion()} ${digest}`
  }
}
