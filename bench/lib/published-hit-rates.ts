/**
 * The real traces of ../shared/traces and the hit rates others published for them, as the
 * traces' README.md lists them (its tables are the one source; this file only transcribes
 * them). Hit rates in %, whole traces, cache sizes in entries.
 */

/** Hit rates published for one trace at one cache size; absent where a source has none. */
export interface PublishedHitRates {
  /** cache2k's site data (about 2013-2014): cache2k-benchmark's OPT, which caches every missed key. */
  readonly cache2kOpt?: number
  readonly cache2kLru?: number
  /** cruftex.net 2016, read off SVG bar heights (±0.1): OPT of Caffeine's simulator. */
  readonly cruftexOpt?: number
  readonly cruftexLru?: number
  /** cruftex.net 2016: Caffeine 2.3.0, W-TinyLFU with a FIXED 1% window (no hill climber). */
  readonly caffeine23?: number
  /** Caffeine's adaptive-window report (2026): the hill-climbed W-TinyLFU of Caffeine 2.7-3.x. */
  readonly caffeineReactive?: number
  /** The same report: Caffeine's shipping build, the window sized by hit density. */
  readonly caffeineDensity?: number
  readonly reportLru?: number
}

/** One trace of the folder: what its README says of it, and the cells this benchmark replays. */
export interface TraceInfo {
  readonly name: string
  readonly requests: number
  readonly distinct: number
  readonly what: string
  /** Cache sizes (entries) with whatever was published there; `{}` for sizes of our own choice. */
  readonly sizes: Readonly<Record<number, PublishedHitRates>>
  /**
   * Of `sizes`, those published only by Caffeine's adaptive-window report: used to check the
   * reference W-TinyLFU against Caffeine's own hill climber, not replayed through the repository
   * (on the ORM traces each replay costs minutes, and the report's four cells add nothing the
   * cache2k and cruftex.net sizes do not cover).
   */
  readonly referenceOnly?: readonly number[]
}

/** cache2k site data: [size, OPT, LRU]. */
type SiteRow = readonly [number, number, number]
/** cruftex.net: [size, OPT, LRU, Caffeine 2.3]. */
type CruftexRow = readonly [number, number, number, number]

function cells(site: readonly SiteRow[], cruftex: readonly CruftexRow[], more: Record<number, PublishedHitRates> = {}): Record<number, PublishedHitRates> {
  const out: Record<number, PublishedHitRates> = {}
  for (const [size, opt, lru] of site) out[size] = { ...out[size], cache2kOpt: opt, cache2kLru: lru }
  for (const [size, opt, lru, caffeine] of cruftex) out[size] = { ...out[size], cruftexOpt: opt, cruftexLru: lru, caffeine23: caffeine }
  for (const [size, rates] of Object.entries(more)) out[Number(size)] = { ...out[Number(size)], ...rates }
  return out
}

/** Every trace of the folder, in the order of the report. */
export const TRACES: readonly TraceInfo[] = [
  {
    name: 'orm-busy',
    requests: 5_000_000,
    distinct: 76_349,
    what: 'cache2k: ORM accesses of an e-commerce application, busy daytime',
    sizes: cells([], [
      [625, 81.41, 70.87, 57.13],
      [1250, 85.18, 79.64, 66.4],
      [2500, 88.27, 82.22, 75.12],
      [5000, 91.42, 85.5, 83.15],
      [10000, 94.43, 89.51, 89.06],
      [20000, 96.72, 93.63, 94.4],
    ], { 4096: { caffeineReactive: 84.63, caffeineDensity: 84.62, reportLru: 84.56 } }),
    referenceOnly: [4096],
  },
  {
    name: 'orm-night',
    requests: 5_000_000,
    distinct: 86_466,
    what: 'cache2k: the same application at night (analytics jobs)',
    sizes: cells([], [
      [625, 71.71, 63.71, 44.96],
      [1250, 78.02, 67.93, 61.04],
      [2500, 87.67, 72.03, 74.8],
      [5000, 94.19, 87.88, 88.17],
      [10000, 96.35, 94.08, 93.56],
      [20000, 97.62, 95.91, 96.17],
    ], { 1024: { caffeineReactive: 66.9, caffeineDensity: 67.02, reportLru: 67.36 } }),
    referenceOnly: [1024],
  },
  {
    name: 'web07',
    requests: 76_118,
    distinct: 20_484,
    what: 'cache2k: HTTP requests for product detail pages, July 2013',
    sizes: cells(
      [[75, 46.54, 31.14], [300, 55.88, 41.9], [1200, 64.64, 51.65], [3000, 70.28, 58.54]],
      [[75, 46.63, 31.17, 30.92], [300, 55.91, 41.92, 43.51], [1200, 64.67, 51.66, 53.83], [3000, 70.3, 58.57, 59.36]],
      { 16384: { caffeineReactive: 72.36, caffeineDensity: 72.4, reportLru: 72.45 } },
    ),
    referenceOnly: [16384],
  },
  {
    name: 'web12',
    requests: 95_607,
    distinct: 13_756,
    what: 'cache2k: the same, December 2013',
    sizes: cells(
      [[75, 51.91, 33.23], [300, 66.83, 49.01], [1200, 79.12, 66.85], [3000, 84.24, 76.48]],
      [[75, 52.01, 33.26, 27.22], [300, 66.87, 49.04, 49.11], [1200, 79.14, 66.87, 69.31], [3000, 84.27, 76.49, 77.1]],
      { 16384: { caffeineReactive: 85.61, caffeineDensity: 85.61, reportLru: 85.61 } },
    ),
    referenceOnly: [16384],
  },
  {
    name: 'multi1',
    requests: 15_858,
    distinct: 2_606,
    what: 'LIRS: cs and cpp run together',
    sizes: { 1500: {} },
  },
  {
    name: 'multi2',
    requests: 26_311,
    distinct: 5_684,
    what: 'LIRS: cs, cpp and postgres together',
    sizes: cells(
      [[600, 55.51, 37.13], [1800, 73.13, 48.49], [3000, 78.4, 71.18]],
      [[600, 55.53, 37.16, 50.83], [1800, 73.15, 48.52, 67.58], [3000, 78.42, 71.2, 77.96]],
    ),
  },
  {
    name: 'sprite',
    requests: 133_996,
    distinct: 7_075,
    what: 'LIRS: Sprite network file system',
    sizes: cells(
      [[100, 50.8, 21.58], [200, 68.86, 39.88], [400, 84.56, 70.77], [600, 89.95, 83.19], [800, 92.19, 88.55], [1000, 93.24, 90.64]],
      [[100, 50.92, 21.61, 31.29], [200, 68.92, 39.9, 49.67], [400, 84.58, 70.79, 68.79], [600, 89.99, 83.22, 77.58], [800, 92.22, 88.58, 80.78], [1000, 93.26, 90.66, 82.89]],
    ),
  },
  {
    name: 'ps',
    requests: 10_448,
    distinct: 3_083,
    what: 'LIRS: postgres join queries',
    sizes: { 500: {}, 1000: {}, 2000: {} },
  },
  {
    name: 'cs',
    requests: 6_781,
    distinct: 1_409,
    what: 'LIRS: cscope (a loop)',
    sizes: { 800: {} },
  },
  {
    name: 'gli',
    requests: 6_015,
    distinct: 2_529,
    what: 'LIRS: glimpse text search (loops)',
    sizes: cells([], [[500, 34.35, 0.97, 33.05], [1000, 53.17, 11.22, 49.3], [2000, 57.97, 57.43, 57.97]]),
  },
  {
    name: 'cpp',
    requests: 9_047,
    distinct: 1_223,
    what: 'LIRS: GNU C preprocessor',
    sizes: cells(
      [[20, 26.44, 0.62], [35, 46.48, 0.86], [50, 62.76, 9.26], [80, 79.1, 44.24], [100, 82.51, 69.71], [300, 86.48, 83.49], [500, 86.48, 84.78]],
      [[20, 27.65, 0.65, 22.55], [35, 47.59, 0.88, 43.33], [50, 63.48, 9.29, 56.77], [80, 79.37, 44.27, 72.77], [100, 82.62, 69.73, 77.04], [300, 86.5, 83.52, 84.97], [500, 86.5, 84.81, 85.87]],
    ),
  },
]

/** A trace by name; throws for an unknown one. */
export function traceInfo(name: string): TraceInfo {
  const info = TRACES.find((t) => t.name === name)
  if (info === undefined) throw new Error(`No trace ${name}; there are: ${TRACES.map((t) => t.name).join(', ')}`)
  return info
}

/** A trace's cache sizes replayed through the repository (all but `referenceOnly`), smallest first. */
export function sizesOf(info: TraceInfo): number[] {
  return Object.keys(info.sizes)
    .map(Number)
    .filter((size) => !(info.referenceOnly ?? []).includes(size))
    .sort((a, b) => a - b)
}

/** A trace's `referenceOnly` sizes. */
export function referenceOnlySizesOf(info: TraceInfo): number[] {
  return [...(info.referenceOnly ?? [])]
}
