/** A key that can be written after a dot: `meta.request_id`. Anything else is quoted: `["a b"]`. */
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/**
 * Formats a validation path the way the 422 body reports it: `['ids', 3]` is `ids[3]`,
 * `['tenantId']` is `tenantId`, and `[]` (the body itself) is the empty string, as the root
 * is in JSON Pointer. Keys that are not identifiers are quoted so that a client can always
 * tell where one segment ends.
 */
export function formatFieldPath(path: readonly (string | number)[]): string {
  let field = ''
  for (const segment of path) {
    if (typeof segment === 'number') field += `[${segment}]`
    else if (!PLAIN_KEY.test(segment)) field += `[${JSON.stringify(segment)}]`
    else field += field === '' ? segment : `.${segment}`
  }
  return field
}
