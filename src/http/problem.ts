import { z } from 'zod'
import type { ValidationIssueCode } from '../validation/validation-issue.js'

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
      .max(20)
      .optional()
      .meta({ description: 'Validation error array (422 only), at most 20 entries' }),
  })
  .meta({ description: 'RFC 9457 problem details' })

/** One entry of a 422's `errors[]`. */
export type FieldError = z.output<typeof fieldErrorSchema>

/** The body of every non-200 response. */
export type ProblemBody = z.output<typeof problemSchema>
