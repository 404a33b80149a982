import { z } from 'zod'
import { idSchema } from '../validation/id-schema.js'

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
