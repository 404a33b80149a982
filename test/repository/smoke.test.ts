import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'

describe.each(BACKENDS)('smoke on %s', (name) => {
  let backend: TestBackend
  beforeAll(async () => {
    backend = await openBackend(name, 'smoke')
    await backend.insert([seed(1, 1), seed(1, 2), seed(2, 3)])
  })
  afterAll(async () => { await backend.close() })

  it('counts one query for a cold call and none for a warm one', async () => {
    const repo = new ContactRepository({ db: backend.db, table: backend.table })
    const first = await repo.getMany(1, [2, 1, 3])
    expect(first.rows.map((r) => r.id)).toEqual([2, 1])
    expect(first.missing).toEqual([3])
    expect(await backend.selectCount()).toBe(1)
    await repo.getMany(1, [1, 2, 3])
    expect(await backend.selectCount()).toBe(1)
  })
})
