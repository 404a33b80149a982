import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Runs a full GC when it can. `npm run bench` starts Node without --expose-gc (package.json
 * is not ours to change), so the flag is set at run time; the function it exposes exists in
 * contexts created afterwards. Between measurement rounds it keeps one contender's garbage
 * from being collected on the next one's time. The heap probe runs with the real flag.
 */
export const collectGarbage: () => void = (() => {
  const existing = (globalThis as { gc?: unknown }).gc
  if (typeof existing === 'function') return () => { (existing as () => void)() }
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    if (typeof gc === 'function') return () => { (gc as () => void)() }
  } catch {
    // Fall through: rounds then simply start without a collection.
  }
  return () => undefined
})()
