import { z } from 'zod'
import { idSchema } from '../validation/id-schema.js'

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
