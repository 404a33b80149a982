/** A uniform random number in [0, 1). */
export type Random = () => number

/**
 * A seeded generator (sfc32, seeded through splitmix32): every workload in the benchmarks is
 * reproducible from its seed, so two contenders always see exactly the same trace.
 * Math.random cannot be seeded, which would make runs incomparable.
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const next32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = next32()
  let b = next32()
  let c = next32()
  let d = 1
  const random = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 4294967296
  }
  // sfc32's first outputs are still correlated with the seed.
  for (let i = 0; i < 15; i++) random()
  return random
}

/** A uniform integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n)
}
