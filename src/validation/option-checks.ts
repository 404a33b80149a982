/**
 * The checks every options object of this package goes through, so that each constructor
 * resolves and validates its options once, with a `TypeError` that names the option.
 */

/** setTimeout fires at once (and warns) for delays above this: no deadline may exceed it. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1

/**
 * Throws a `TypeError` unless `options` is an object whose keys are all in `known`: a
 * misspelt option would otherwise leave its default silently in force.
 */
export function checkOptionKeys(
  options: unknown,
  known: ReadonlySet<string>,
  owner: string,
  shape: string,
): asserts options is object {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be ${shape}`)
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`options.${key} is not an option of ${owner}`)
  }
}

/** `options[name]`, or `fallback` when it is absent; a `TypeError` unless an integer from `min` to `max`. */
export function integerOption<Options extends object>(
  options: Options,
  name: keyof Options & string,
  fallback: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const value: unknown = options[name]
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new TypeError(`options.${name} must be an integer from ${min} to ${max}; got ${describeValue(value)}`)
  }
  return value as number
}

/** A short rendering of a bad option's value for a message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (value === undefined || typeof value === 'symbol') return String(value)
  return JSON.stringify(value)
}

/**
 * The option names of an options interface, as a set for {@link checkOptionKeys}. Written as a
 * record so that an option added to the interface but not here fails to compile.
 */
export function optionNames<Options>(names: Readonly<Record<keyof Options, true>>): ReadonlySet<string> {
  return new Set(Object.keys(names))
}

/**
 * `options[name]`, or `fallback` when it is absent; a `TypeError` unless a string that passes
 * `isValid`. `expectation` completes "options.name must be ...".
 */
export function stringOption<Options extends object>(
  options: Options,
  name: keyof Options & string,
  fallback: string,
  expectation: string,
  isValid: (value: string) => boolean,
): string {
  const value: unknown = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !isValid(value)) {
    throw new TypeError(`options.${name} must be ${expectation}; got ${describeValue(value)}`)
  }
  return value
}

/** `options[name]`, `undefined` when it is absent; a `TypeError` unless a function. */
export function functionOption<Options extends object, Name extends keyof Options & string>(
  options: Options,
  name: Name,
): Options[Name] | undefined {
  const value: unknown = options[name]
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`options.${name} must be a function; got ${describeValue(value)}`)
  }
  return value as Options[Name] | undefined
}
