// One rule for an ID, written twice: by hand in the core (so that the main entry does not load
// zod) and as the zod schema the endpoint validates with. They must agree on every value, on
// whether it is an ID and, when not, on the code and message reported.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ContactValidationError } from '../../src/index.js'
import { idListSchema, idSchema } from '../../src/http/index.js'
import { validateGetManyRequest } from '../../src/http/validate-get-many-request.js'
import { assertIdList, assertTenantId, describeId } from '../../src/validation/id-schema.js'

const anything = fc.oneof(
  fc.integer(),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.double(),
  fc.constantFrom(0, -0, 1, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 1e300, -1e300, Number.NaN, Infinity, -Infinity, 0.5),
  fc.bigInt(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 0 }),
)

/** The core's issue for `value` in a list, or `ok`. */
function coreIssue(value: unknown): { code: string; message: string } | 'ok' {
  try {
    assertIdList([value])
    return 'ok'
  } catch (error) {
    const [issue] = (error as ContactValidationError).issues
    expect(issue?.path).toEqual(['ids', 0])
    return { code: issue!.code, message: issue!.message }
  }
}

/** The endpoint's (zod's) first issue for `value` as the only ID, or `ok`. */
function endpointIssue(value: unknown): { code: string; message: string } | 'ok' {
  const result = validateGetManyRequest({ ids: [value] })
  if (result.ok) return 'ok'
  const [first] = result.errors
  expect(first?.field).toBe('ids[0]')
  return { code: first!.code, message: first!.message }
}

describe('G-VALIDATION: the core ID checks and the zod idSchema', () => {
  it('agree on what is an ID, and on the code and message of what is not', () => {
    fc.assert(
      fc.property(anything, (value) => {
        expect(coreIssue(value)).toEqual(endpointIssue(value))
        expect(describeId(value) === undefined).toBe(idSchema.safeParse(value).success)
      }),
      { numRuns: 3000 },
    )
  })

  it('agree on lists, holes included', () => {
    fc.assert(
      fc.property(fc.sparseArray(anything, { maxLength: 6 }), (ids) => {
        let core = true
        try {
          assertIdList(ids)
        } catch (error) {
          expect(error).toBeInstanceOf(ContactValidationError)
          core = false
        }
        expect(core).toBe(idListSchema.safeParse(ids).success)
      }),
      { numRuns: 2000 },
    )
  })

  it('report tenant IDs the same way', () => {
    fc.assert(
      fc.property(anything, (value) => {
        let issue: unknown = 'ok'
        try {
          assertTenantId(value)
        } catch (error) {
          issue = (error as ContactValidationError).issues
        }
        const expected = describeId(value)
        expect(issue).toEqual(expected === undefined ? 'ok' : [{ ...expected, path: ['tenantId'] }])
      }),
    )
  })
})
