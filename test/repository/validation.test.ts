// Proves G-VALIDATION: bad input gets a clear typed error and touches nothing; bad options throw a
// TypeError naming the option; an unbounded cache is refused. Messages and codes are pinned.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository, ContactValidationError, type ContactRepositoryOptions } from '../../src/index.js'
import { idListSchema } from '../../src/http/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { assertIdList } from '../../src/validation/id-schema.js'

let backend: TestBackend
let contacts: ContactRepository

beforeAll(async () => {
  backend = await openBackend('mariadb', 'validation')
  await backend.insert([seed(1, 1)])
  contacts = new ContactRepository({ db: backend.db, table: backend.table })
  await contacts.getMany(1, [1])
})
afterAll(async () => {
  await backend.close()
})

async function rejection(call: () => Promise<unknown>): Promise<ContactValidationError> {
  const queries = await backend.selectCount()
  const stats = contacts.stats()
  const error = await call().then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ContactValidationError)
  // Nothing was touched: no SQL, no cache or counter change.
  expect(await backend.selectCount()).toBe(queries)
  expect(contacts.stats()).toEqual(stats)
  return error as ContactValidationError
}

describe('G-VALIDATION: getMany input validation', () => {
  it.each([
    [0, 'not_positive'],
    [-1, 'not_positive'],
    [-0, 'not_positive'],
    [1.5, 'not_integer'],
    [Number.NaN, 'not_integer'],
    [Number.POSITIVE_INFINITY, 'not_safe_integer'],
    [Number.NEGATIVE_INFINITY, 'not_positive'],
    [2 ** 53, 'not_safe_integer'],
    ['1', 'invalid_type'],
    [null, 'invalid_type'],
    [undefined, 'required'],
    [1n, 'invalid_type'],
    [[1], 'invalid_type'],
  ])('refuses tenantId %s with issue %s', async (tenantId, code) => {
    const error = await rejection(() => contacts.getMany(tenantId as number, [1]))
    expect(error.code).toBe('ERR_CONTACTS_INVALID_ARGUMENT')
    expect(error.transient).toBe(false)
    expect(error.issues).toEqual([{ code, path: ['tenantId'], message: expect.any(String) as string }])
  })

  it.each([
    [[1, 0], 1, 'not_positive'],
    [[1, 2, -3], 2, 'not_positive'],
    [[1.5], 0, 'not_integer'],
    [[Number.NaN], 0, 'not_integer'],
    [[2 ** 53 + 2], 0, 'not_safe_integer'],
    [['1'], 0, 'invalid_type'],
    [['1abc'], 0, 'invalid_type'],
    [[null], 0, 'invalid_type'],
    [[true], 0, 'invalid_type'],
    [[[1]], 0, 'invalid_type'],
    [[{ id: 1 }], 0, 'invalid_type'],
    [[1, undefined], 1, 'required'],
  ])('refuses ids %j at index %i with issue %s', async (ids, index, code) => {
    const error = await rejection(() => contacts.getMany(1, ids as number[]))
    expect(error.issues[0]).toEqual({ code, path: ['ids', index], message: expect.any(String) as string })
  })

  it.each([[null], [undefined], ['1,2'], [{ 0: 1 }], [1], [new Set([1])]])('refuses ids that are not an array: %s', async (ids) => {
    const error = await rejection(() => contacts.getMany(1, ids as unknown as number[]))
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]?.path).toEqual(['ids'])
  })

  it('pins the message a developer sees', async () => {
    const error = await rejection(() => contacts.getMany(1, [1, 2, '3' as unknown as number]))
    expect(error.message).toBe('Invalid argument ids.2: Must be an integer, not a string')
    expect(error.name).toBe('ContactValidationError')
  })

  it('reports at most 20 issues for a long bad list', async () => {
    const error = await rejection(() => contacts.getMany(1, Array.from({ length: 10_000 }, () => -1)))
    expect(error.issues).toHaveLength(20)
    expect(error.message).toMatch(/\(and 19 more\)$/)
  })

  it('refuses bad per-call options', async () => {
    await rejection(() => contacts.getMany(1, [1], { cache: 'sometimes' as 'normal' }))
    await rejection(() => contacts.getMany(1, [1], { signal: {} as AbortSignal }))
    await rejection(() => contacts.getMany(1, [1], { staleIfError: -1 }))
  })

  it('validates invalidate() and invalidateTenant() the same way', async () => {
    await rejection(() => contacts.invalidate(0, [1]))
    await rejection(() => contacts.invalidate(1, ['1' as unknown as number]))
    await rejection(() => contacts.invalidateTenant(Number.NaN))
  })

  it('the fast check and the zod schema agree on every value', () => {
    const anything = fc.oneof(
      fc.integer(), fc.double(), fc.constantFrom(0, -0, 2 ** 53, 2 ** 53 - 1, Number.NaN, Infinity),
      fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.integer()),
    )
    fc.assert(
      fc.property(fc.array(anything, { maxLength: 5 }), (ids) => {
        let fast = true
        try {
          assertIdList(ids)
        } catch {
          fast = false
        }
        expect(fast).toBe(idListSchema.safeParse(ids).success)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('G-VALIDATION: constructor options', () => {
  const db = (): ContactRepositoryOptions['db'] => backend.db

  it.each([
    ['maxEntries', Number.POSITIVE_INFINITY],
    ['maxEntries', 0],
    ['maxEntries', 1.5],
    ['maxEntries', '100'],
    ['maxBytes', 1000],
    ['maxEntriesPerTenant', 0],
    ['maxBytesPerTenant', 10],
    ['ttl', 0],
    ['ttl', -5],
    ['ttlJitter', 1],
    ['ttlJitter', -0.1],
    ['notFoundTtl', -1],
    ['maxBatchSize', 0],
    ['maxBatchSize', 70_000],
    ['queryTimeout', 2 ** 31],
    ['maxConcurrentQueries', 0],
    ['maxQueuedQueries', -1],
    ['staleIfError', Number.NaN],
    ['untrustedTtl', -1],
    ['table', 'contacts; drop table x'],
    ['table', '`contacts`'],
    ['now', 5],
    ['bus', {}],
    ['tracer', {}],
    ['maxEntry', 5],
  ])('refuses %s = %s with a TypeError naming it', (option, value) => {
    const options = { db: db(), [option]: value } as unknown as ContactRepositoryOptions
    expect(() => new ContactRepository(options)).toThrow(new RegExp(`^options\\.${option} `))
    expect(() => new ContactRepository(options)).toThrow(TypeError)
  })

  it('refuses a per-tenant bound above the global one', () => {
    expect(() => new ContactRepository({ db: db(), maxEntries: 10, maxEntriesPerTenant: 11 })).toThrow(
      'options.maxEntriesPerTenant must be an integer from 1 to 10; got 11',
    )
  })

  it('refuses a missing or wrong db', () => {
    expect(() => new ContactRepository({} as ContactRepositoryOptions)).toThrow('options.db must be a Kysely instance')
    expect(() => new ContactRepository(undefined as unknown as ContactRepositoryOptions)).toThrow(TypeError)
  })

  it('accepts the defaults', () => {
    expect(new ContactRepository({ db: db() }).stats()).toMatchObject({ entries: 0, trusted: true })
  })
})
