// ContactRepository's options (resolveOptions) where the README's table of defaults cannot show
// them: the refusals of what is not an options object or a Kysely instance, and the per-tenant
// bounds derived from the global ones when not given. test/repository/validation.test.ts refuses
// every option through the real constructor.
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../src/contact-repository-options.js'

const db = { selectFrom() {} }

describe('resolveOptions', () => {
  it.each([
    ['no options', null, 'options must be an object with at least `db`'],
    ['an unknown option', { db, maxEntry: 1 }, 'options.maxEntry is not an option of ContactRepository'],
    ['a db without selectFrom', { db: { transaction() {} } }, 'options.db must be a Kysely instance'],
  ])('refuses %s', (_, options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(new TypeError(message))
  })

  it('derives each per-tenant bound from its global one, rounded to stay usable', () => {
    const resolved = resolveOptions({ db, maxEntries: 1_001, maxBytes: 1_048_577, maxConcurrentQueries: 5, maxQueuedQueries: 10 } as never)
    expect(resolved).toMatchObject({
      maxEntriesPerTenant: 251, // a quarter, up
      maxBytesPerTenant: 262_144, // a quarter, down
      maxConcurrentQueriesPerTenant: 3, // half, up
      maxQueuedQueriesPerTenant: 3, // a quarter, up
    })
  })
})
