// The names that moved from the main entry to contact-repository/http in 0.2 keep a typed hint
// in the main entry (no runtime value), and each is exported by the subpath. The compile-time
// half is checked by `tsc --noEmit` over this file: every `@ts-expect-error` below must still
// be an error, or the typecheck fails.
/* eslint-disable @typescript-eslint/no-deprecated, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access -- using the moved names is what is tested */
import { readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as main from '../../src/index.js'
import * as http from '../../src/http/index.js'
import type { MovedExport } from '../../src/moved-exports.js'

const source = readFileSync(new URL('../../src/moved-exports.ts', import.meta.url), 'utf8')
const movedValues = [...source.matchAll(/^export declare const (\w+):/gm)].map((m) => m[1]!)
const movedTypes = [...source.matchAll(/^export type (\w+)/gm)].map((m) => m[1]!)

describe('names moved to contact-repository/http', () => {
  it('are 13 values and 20 types, every one re-exported by the main entry as a hint', () => {
    expect({ values: movedValues.length, types: movedTypes.length }).toEqual({ values: 13, types: 20 })
    const index = readFileSync(new URL('../../src/index.ts', import.meta.url), 'utf8')
    const hinted = /export type \{([^}]*)\} from '\.\/moved-exports\.js'/.exec(index)?.[1]?.split(',').map((n) => n.trim()).filter(Boolean)
    expect(new Set(hinted)).toEqual(new Set([...movedValues, ...movedTypes]))
  })

  it('have no runtime value in the main entry, and one in the subpath', () => {
    for (const name of movedValues) {
      expect(name in main, `${name} in the main entry`).toBe(false)
      expect(name in http, `${name} in contact-repository/http`).toBe(true)
    }
  })

  it('fail to compile when used from the main entry, with the new place in the message', () => {
    expectTypeOf<main.GetManyAuth>().toEqualTypeOf<MovedExport<"GetManyAuth moved: import it from 'contact-repository/http'">>()
    expectTypeOf<http.GetManyAuth>().toHaveProperty('tenantId')
    // @ts-expect-error -- moved: a MovedExport is not callable
    const use = (): unknown => main.createGetManyHandler({ getMany: () => Promise.reject(new Error('unused')) })
    // @ts-expect-error -- moved: a MovedExport has no safeParse
    const parse = (): unknown => main.idListSchema.safeParse([1])
    // @ts-expect-error -- moved: the type says where it went, and has no tenantId
    const auth: main.GetManyAuth = { tenantId: 1, scopes: [] }
    expect([typeof use, typeof parse, typeof auth]).toEqual(['function', 'function', 'object'])
  })
})
