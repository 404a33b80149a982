/**
 * The checks every options object of this package goes through, so that each constructor
 * resolves and validates its options once, with a `TypeError` that names the option.
 */

/** setTimeout fires at once (and warns) for delays above this: no deadline may exceed it. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1

/**
 * Throws a `TypeError` unless `options` is an object whose keys are all in `known`: a
 * misspelt option would otherwise leave its default silently in force. `path` is how the
 * message names the object (`options.lease` for a nested one).
 */
export function checkOptionKeys(
  options: unknown,
  known: ReadonlySet<string>,
  owner: string,
  shape: string,
  path = 'options',
): asserts options is object {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${path} must be ${shape}`)
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${path}.${key} is not an option of ${owner}`)
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

/**
 * `options[name]`, `undefined` when it is absent; a `TypeError` unless an object with every
 * method in `methods`. What is checked is the shape the package calls, not a class, so that
 * a test double or another implementation fits. `kind` names what is expected, for the message.
 */
export function methodsOption<Options extends object, Name extends keyof Options & string>(
  options: Options,
  name: Name,
  methods: readonly string[],
  kind?: string,
): Options[Name] | undefined {
  return options[name] === undefined ? undefined : requiredMethodsOption(options, name, methods, kind)
}

/** As {@link methodsOption}, for an option that must be there. */
export function requiredMethodsOption<Options extends object, Name extends keyof Options & string>(
  options: Options,
  name: Name,
  methods: readonly string[],
  kind?: string,
): NonNullable<Options[Name]> {
  const value: unknown = options[name]
  if (!hasMethods(value, methods)) {
    const list = methods.map((method) => `${method}()`)
    const first = list[0] as string
    // Method names start lower-case: the article only looks at the letter.
    const described = list.length === 1 ? `${/^[aeiou]/.test(first) ? 'an' : 'a'} ${first} method` : `${list.slice(0, -1).join(', ')} and ${list.at(-1) as string} methods`
    throw new TypeError(`options.${name} must have ${described}${kind === undefined ? '' : ` (${kind})`}`)
  }
  return value as NonNullable<Options[Name]>
}

/** Whether `value` is an object (or function) with a function under each of `methods`. */
export function hasMethods(value: unknown, methods: readonly string[]): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false
  const record = value as Record<string, unknown>
  return methods.every((method) => typeof record[method] === 'function')
}

/** `options[name]`, `undefined` when it is absent; a `TypeError` unless one of `allowed`. */
export function oneOfOption<Options extends object, Name extends keyof Options & string>(
  options: Options,
  name: Name,
  allowed: readonly NonNullable<Options[Name]>[],
): Options[Name] | undefined {
  const value: unknown = options[name]
  if (value !== undefined && !(allowed as readonly unknown[]).includes(value)) {
    throw new TypeError(`options.${name} must be one of ${allowed.map((item) => describeValue(item)).join(', ')}; got ${describeValue(value)}`)
  }
  return value as Options[Name] | undefined
}

/** `options[name]`; a `TypeError` unless a non-empty string. For the required names of a store, a channel, a key. */
export function requiredStringOption<Options extends object>(options: Options, name: keyof Options & string): string {
  const value: unknown = options[name]
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`options.${name} must be a non-empty string; got ${describeValue(value)}`)
  }
  return value
}

/** `options[name]`, or `fallback` when it is absent; a `TypeError` unless `true` or `false`. */
export function booleanOption<Options extends object>(options: Options, name: keyof Options & string, fallback: boolean): boolean {
  const value: unknown = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new TypeError(`options.${name} must be true or false; got ${describeValue(value)}`)
  return value
}
