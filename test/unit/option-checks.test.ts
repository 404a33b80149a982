// Every options object of the package goes through src/validation/option-checks.ts, so that a
// bad option is refused the same way everywhere: a TypeError naming it. These are the shared
// checks, and the constructors that came to them last (ContactWrites, redisCheckpointStore).
import type { Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { redisCheckpointStore } from '../../src/binlog/checkpoint-store.js'
import { ContactWrites, type ContactInvalidator } from '../../src/index.js'
import {
  booleanOption,
  functionOption,
  checkOptionKeys,
  describeValue,
  hasMethods,
  integerOption,
  methodsOption,
  oneOfOption,
  optionNames,
  requiredMethodsOption,
  requiredStringOption,
  stringOption,
} from '../../src/validation/option-checks.js'

interface Options {
  readonly name?: string
  readonly bus?: { publish(): void; subscribe(): void }
  readonly mode?: 'a' | 'b'
  readonly flag?: boolean
}

const known = optionNames<Options>({ name: true, bus: true, mode: true, flag: true })

describe('option checks', () => {
  it('refuses an unknown key, naming it and the owner, under the path given', () => {
    expect(() => { checkOptionKeys({ nmae: 'x' }, known, 'Thing', 'an object') }).toThrow(
      new TypeError('options.nmae is not an option of Thing'),
    )
    expect(() => { checkOptionKeys({ tll: 1 }, known, 'the lease', 'an object', 'options.lease') }).toThrow(
      new TypeError('options.lease.tll is not an option of the lease'),
    )
    expect(() => { checkOptionKeys(null, known, 'Thing', 'an object with `name`') }).toThrow(
      new TypeError('options must be an object with `name`'),
    )
  })

  it('checks the methods an option must have, not its class', () => {
    const bus = { publish: () => undefined, subscribe: () => undefined }
    expect(methodsOption<Options, 'bus'>({ bus }, 'bus', ['publish', 'subscribe'])).toBe(bus)
    expect(methodsOption<Options, 'bus'>({}, 'bus', ['publish', 'subscribe'])).toBeUndefined()
    expect(() => methodsOption({ bus: { publish: () => undefined } } as Options, 'bus', ['publish', 'subscribe'])).toThrow(
      new TypeError('options.bus must have publish() and subscribe() methods'),
    )
    expect(() => requiredMethodsOption<Options, 'bus'>({}, 'bus', ['publish'], 'a bus')).toThrow(
      new TypeError('options.bus must have a publish() method (a bus)'),
    )
  })

  it('checks a choice, a flag and a required string', () => {
    expect(oneOfOption<Options, 'mode'>({ mode: 'b' }, 'mode', ['a', 'b'])).toBe('b')
    expect(() => oneOfOption({ mode: 'c' } as unknown as Options, 'mode', ['a', 'b'])).toThrow(
      new TypeError('options.mode must be one of "a", "b"; got "c"'),
    )
    expect(booleanOption<Options>({}, 'flag', true)).toBe(true)
    expect(() => booleanOption({ flag: 1 } as unknown as Options, 'flag', true)).toThrow(
      new TypeError('options.flag must be true or false; got 1'),
    )
    expect(() => requiredStringOption<Options>({ name: '' }, 'name')).toThrow(
      new TypeError('options.name must be a non-empty string; got ""'),
    )
  })
})

describe('option checks, rule by rule', () => {
  // What a message shows for a bad value: JSON would say null for NaN, undefined for a symbol or
  // undefined, and throw for a bigint.
  it.each([
    [() => 1, 'a function'],
    [Number.NaN, 'NaN'],
    [-Infinity, '-Infinity'],
    [10n, '10'],
    [undefined, 'undefined'],
    [Symbol('s'), 'Symbol(s)'],
    ['x', '"x"'],
    [null, 'null'],
    [{ a: 1 }, '{"a":1}'],
  ])('describes %s as %s', (value, described) => {
    expect(describeValue(value)).toBe(described)
  })

  it('takes an integer option within its bounds, the fallback when absent, and refuses the rest', () => {
    const check = (value: unknown): number => integerOption({ size: value }, 'size', 7, 1, 10)
    expect(check(undefined)).toBe(7)
    expect(check(1)).toBe(1)
    expect(check(10)).toBe(10)
    for (const bad of [0, 11, 1.5, '5', null]) {
      expect(() => check(bad)).toThrow(new TypeError(`options.size must be an integer from 1 to 10; got ${describeValue(bad)}`))
    }
  })

  it('names every method an option lacks, in a sentence', () => {
    const check = (methods: string[]): unknown => requiredMethodsOption({ bus: {} }, 'bus', methods)
    expect(() => check(['get'])).toThrow(new TypeError('options.bus must have a get() method'))
    expect(() => check(['invalidate'])).toThrow(new TypeError('options.bus must have an invalidate() method'))
    expect(() => check(['get', 'set'])).toThrow(new TypeError('options.bus must have get() and set() methods'))
    expect(() => check(['get', 'set', 'del'])).toThrow(new TypeError('options.bus must have get(), set() and del() methods'))
  })

  it('accepts a function that carries the methods, and no primitive or null', () => {
    expect(hasMethods(Object.assign(() => 1, { eval: () => 1 }), ['eval'])).toBe(true)
    expect(hasMethods({ eval: () => 1 }, ['eval'])).toBe(true)
    expect(hasMethods({ eval: 1 }, ['eval'])).toBe(false)
    for (const value of [null, undefined, 'eval', 5]) expect(hasMethods(value, [])).toBe(false)
  })

  it('takes a string option that passes its test, the fallback when absent, and refuses the rest', () => {
    const check = (value: unknown): string => stringOption({ path: value }, 'path', '/x', 'a path starting with "/"', (p) => p.startsWith('/'))
    expect(check(undefined)).toBe('/x')
    expect(check('/y')).toBe('/y')
    for (const bad of ['y', 5, null]) {
      expect(() => check(bad)).toThrow(new TypeError(`options.path must be a path starting with "/"; got ${describeValue(bad)}`))
    }
  })

  it('takes a function option or nothing, and refuses anything else', () => {
    const now = (): number => 1
    expect(functionOption({ now }, 'now')).toBe(now)
    const none: { now?: () => number } = {}
    expect(functionOption(none, 'now')).toBeUndefined()
    for (const bad of [1, 'now', null]) {
      expect(() => functionOption({ now: bad }, 'now')).toThrow(new TypeError(`options.now must be a function; got ${describeValue(bad)}`))
    }
  })

  it('leaves a choice that is absent undefined', () => {
    expect(oneOfOption<Options, 'mode'>({}, 'mode', ['a', 'b'])).toBeUndefined()
    expect(oneOfOption<Options, 'mode'>({ mode: 'b' }, 'mode', ['a', 'b'])).toBe('b')
  })
})

describe('constructors checked through option-checks', () => {
  const db = { transaction: () => undefined, isTransaction: false } as unknown as Kysely<unknown>
  const repository: ContactInvalidator = { invalidate: () => Promise.resolve(), invalidateTenant: () => Promise.resolve() }

  it('ContactWrites refuses an unknown option, a repository without its methods, an unknown isolation level', () => {
    expect(() => new ContactWrites({ db, repository, isolation: 'serializable' } as never)).toThrow(
      new TypeError('options.isolation is not an option of ContactWrites'),
    )
    expect(() => new ContactWrites({ db, repository: {} } as never)).toThrow(
      new TypeError('options.repository must have invalidate() and invalidateTenant() methods (a ContactRepository)'),
    )
    expect(() => new ContactWrites({ db, repository, isolationLevel: 'chaos' } as never)).toThrow(/^options\.isolationLevel must be one of "read uncommitted", /)
    expect(() => new ContactWrites({ db, repository, isolationLevel: 'serializable' })).not.toThrow()
  })

  it('redisCheckpointStore refuses an unknown option, a connection without eval, an empty key', () => {
    const redis = { eval: () => undefined, hget: () => undefined } as never
    expect(() => redisCheckpointStore({ redis, key: 'k', ttl: 1 } as never)).toThrow(
      new TypeError('options.ttl is not an option of redisCheckpointStore'),
    )
    expect(() => redisCheckpointStore({ redis: {} as never, key: 'k' })).toThrow(/^options\.redis must have eval\(\) and hget\(\) methods/)
    expect(() => redisCheckpointStore({ redis, key: '' })).toThrow(new TypeError('options.key must be a non-empty string; got ""'))
  })
})
