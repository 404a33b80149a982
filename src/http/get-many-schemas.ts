import { z } from 'zod'
import { MAX_REPORTED_ISSUES } from '../validation/id-schema.js'
import type { ValidationIssueCode } from '../validation/validation-issue.js'

/*
 * The endpoint's contract as zod schemas: what a request may be, what a 200 and a problem
 * contain. The request is validated with them (on a failure; see validateGetManyRequest),
 * the OpenAPI document is generated from them, and a test checks real responses against them.
 */

/**
 * A tenant or contact ID: a positive safe integer (1 to 2^53 - 1). `z.int()` already refuses
 * unsafe integers, so a value like 9007199254740993 that JSON parsing rounded is refused too.
 * Nothing is coerced: `"1"` stays an error, because MySQL compares `'1abc' = 1` as true. The
 * repository applies the same rule without zod; a property test keeps the two in agreement.
 */
export const idSchema = z.int().positive()

/** The `ids` argument of `getMany`: any number of IDs (the endpoint's request allows 1 to 50). */
export const idListSchema = z.array(idSchema)

/** Most IDs one get-many request may carry (the reference page's limit). */
export const MAX_IDS_PER_REQUEST = 50

/**
 * Body of `POST /contacts/get-many`: `{ "ids": [1, 2, 3] }`, 1 to 50 positive safe integers.
 * Nothing is coerced (`"1"` is refused) and unknown keys are refused: the tenant comes from
 * authentication, so a `tenantId` in the body is an error, not a hint.
 */
export const getManyRequestSchema = z
  .strictObject({
    ids: z
      .array(idSchema.meta({ description: 'A contact ID: a positive safe integer (1 to 2^53 - 1).' }))
      .min(1)
      .max(MAX_IDS_PER_REQUEST)
      .meta({
        description:
          'Contact IDs to fetch, 1 to 50. Duplicates are collapsed; IDs that do not exist or belong to ' +
          'another tenant are omitted from the response.',
      }),
  })
  .meta({ description: 'The IDs of the contacts to fetch.' })

/** A valid get-many request body. */
export type GetManyRequest = z.output<typeof getManyRequestSchema>

/** ISO 8601 in UTC with a `Z`, as the repository always produces it. */
const dateTime = z.iso.datetime()

/**
 * One contact in a get-many response. Every key is always present; absent values are `null`.
 * Strict, so that a column leaking into the response (a `tenant_id`) fails the spec test.
 */
export const contactSchema = z
  .strictObject({
    id: idSchema,
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    companyName: z.string().nullable(),
    email: z.email().nullable(),
    phone: z.string().nullable(),
    type: z.string(),
    createdAt: dateTime.meta({ description: 'UTC, with milliseconds: 2026-03-01T12:00:00.000Z.' }),
    updatedAt: dateTime.meta({ description: 'UTC, with milliseconds.' }),
  })
  .meta({ description: 'A contact of the calling tenant.' })

/**
 * The 200 body. `request_id` and `pagination` are optional on the reference page, so they are
 * here too; this implementation always sends both.
 */
export const getManyResponseSchema = z
  .strictObject({
    data: z.array(contactSchema).meta({
      description: 'The contacts found, in the order of `ids`, each once (at its first position).',
    }),
    meta: z.strictObject({
      request_id: z.string().optional().meta({ description: 'Server-generated request identifier' }),
      pagination: z
        .strictObject({
          cursor: z
            .string()
            .nullable()
            .meta({ description: 'Opaque cursor for the next page; null when no more results' }),
          has_more: z.boolean().meta({ description: 'Whether more pages are available after this one' }),
          count: z.int().nonnegative().meta({ description: 'Items in this page' }),
        })
        .optional()
        .meta({ description: 'get-many returns one page: cursor null, has_more false.' }),
      requested: z.int().nonnegative().meta({ description: 'Distinct IDs requested.' }),
      returned: z.int().nonnegative().meta({
        description: 'Contacts returned; requested - returned IDs were not found for this tenant.',
      }),
    }),
  })
  .meta({ description: 'Contacts' })

/** A contact as the endpoint returns it. */
export type ContactResource = z.output<typeof contactSchema>

/** The body of a 200 response. */
export type GetManyResponseBody = z.output<typeof getManyResponseSchema>

// A record, so that a validation code added to the library without being listed here fails to compile.
const CODES: Readonly<Record<ValidationIssueCode, true>> = {
  required: true,
  invalid_type: true,
  not_integer: true,
  not_positive: true,
  not_safe_integer: true,
  too_few_items: true,
  too_many_items: true,
  unrecognized_key: true,
  invalid: true,
}

/** The stable codes a 422 `errors[]` entry can carry (the library's validation issue codes). */
export const VALIDATION_ERROR_CODES = Object.freeze(Object.keys(CODES)) as readonly [
  ValidationIssueCode,
  ...ValidationIssueCode[],
]

/** One entry of a 422's `errors[]`. */
export const fieldErrorSchema = z.strictObject({
  field: z.string().meta({
    description: 'Field path that failed validation: `ids`, `ids[3]`; the empty string is the body itself.',
  }),
  code: z.enum(VALIDATION_ERROR_CODES).meta({ description: 'Validation error code' }),
  message: z.string().meta({ description: 'Human-readable validation message' }),
})

/** An RFC 9457 problem details body, as every non-200 response of the endpoint carries. */
export const problemSchema = z
  .strictObject({
    type: z.url().meta({ description: 'URL identifying the problem type' }),
    title: z.string().meta({ description: 'Short human-readable summary' }),
    status: z.int().min(400).max(599).meta({ description: 'HTTP status code' }),
    detail: z.string().optional().meta({ description: 'Human-readable explanation' }),
    request_id: z.string().optional().meta({ description: 'Server-generated request identifier' }),
    errors: z
      .array(fieldErrorSchema)
      .max(MAX_REPORTED_ISSUES)
      .optional()
      .meta({ description: `Validation error array (422 only), at most ${MAX_REPORTED_ISSUES} entries` }),
  })
  .meta({ description: 'RFC 9457 problem details' })

/** One entry of a 422's `errors[]`. */
export type FieldError = z.output<typeof fieldErrorSchema>

/** The body of every non-200 response. */
export type ProblemBody = z.output<typeof problemSchema>
