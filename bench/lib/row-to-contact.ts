import type { Contact } from '../../src/index.js'

/**
 * A MariaDB row of the benchmark table as a frozen Contact with the repository's keys in the
 * repository's order, so that baselines hold objects of the same shape and size without
 * going through (and training the JIT on) the repository's own code.
 */
export function rowToContact(row: Record<string, unknown>): Contact {
  return Object.freeze({
    id: Number(row.id),
    firstName: row.first_name as string | null,
    lastName: row.last_name as string | null,
    companyName: row.company_name as string | null,
    email: row.email as string | null,
    phone: row.phone as string | null,
    type: row.type as string,
    createdAt: isoUtc(row.created_at as string),
    updatedAt: isoUtc(row.updated_at as string),
  })
}

// '2026-03-01 12:00:00.000' -> '2026-03-01T12:00:00.000Z'. join() builds one flat string;
// concatenation would keep a rope of four pieces alive in every cached row (about 150 bytes).
function isoUtc(text: string): string {
  return [text.slice(0, 10), 'T', text.slice(11, 23), 'Z'].join('')
}
