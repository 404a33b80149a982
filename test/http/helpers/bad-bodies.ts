// The bodies the handler refuses with 422 (the endpoint's API reference page and the README's
// Responses table), with the exact errors expected.

export type Errors = readonly { field: string; code: string }[]

/** A body of `count` IDs, 1 to `count`. */
export const ids = (count: number): string => JSON.stringify({ ids: Array.from({ length: count }, (_, i) => i + 1) })

/** Bodies the handler refuses with 422: [label, exact body text, expected errors]. */
export const INVALID_BODIES: readonly (readonly [string, string, Errors])[] = [
  ['{}', '{}', [{ field: 'ids', code: 'required' }]],
  ['empty ids', '{"ids":[]}', [{ field: 'ids', code: 'too_few_items' }]],
  ['ids null', '{"ids":null}', [{ field: 'ids', code: 'invalid_type' }]],
  ['ids a string', '{"ids":"1,2"}', [{ field: 'ids', code: 'invalid_type' }]],
  ['ids an object', '{"ids":{"0":1}}', [{ field: 'ids', code: 'invalid_type' }]],
  ['a numeric string', '{"ids":["1"]}', [{ field: 'ids[0]', code: 'invalid_type' }]],
  ['a string MySQL would compare as 1', '{"ids":["1abc"]}', [{ field: 'ids[0]', code: 'invalid_type' }]],
  ['a float', '{"ids":[1.5]}', [{ field: 'ids[0]', code: 'not_integer' }]],
  ['1e400 (Infinity once parsed)', '{"ids":[1e400]}', [{ field: 'ids[0]', code: 'not_safe_integer' }]],
  ['zero', '{"ids":[0]}', [{ field: 'ids[0]', code: 'not_positive' }]],
  ['negative', '{"ids":[-1]}', [{ field: 'ids[0]', code: 'not_positive' }]],
  ['negative zero', '{"ids":[-0]}', [{ field: 'ids[0]', code: 'not_positive' }]],
  ['2^53 + 1 (rounded by JSON.parse)', '{"ids":[9007199254740993]}', [{ field: 'ids[0]', code: 'not_safe_integer' }]],
  ['51 IDs', ids(51), [{ field: 'ids', code: 'too_many_items' }]],
  ['null', '{"ids":[null]}', [{ field: 'ids[0]', code: 'invalid_type' }]],
  ['true', '{"ids":[true]}', [{ field: 'ids[0]', code: 'invalid_type' }]],
  ['a nested array', '{"ids":[[1]]}', [{ field: 'ids[0]', code: 'invalid_type' }]],
  ['an object', '{"ids":[{"id":1}]}', [{ field: 'ids[0]', code: 'invalid_type' }]],
  ['a tenantId in the body', '{"ids":[1],"tenantId":2}', [{ field: 'tenantId', code: 'unrecognized_key' }]],
  ['__proto__', '{"__proto__":{"x":1},"ids":[1]}', [{ field: '__proto__', code: 'unrecognized_key' }]],
  ['an array body', '[1,2]', [{ field: '', code: 'invalid_type' }]],
  ['a number body', '1', [{ field: '', code: 'invalid_type' }]],
  ['a string body', '"ids"', [{ field: '', code: 'invalid_type' }]],
  ['a null body', 'null', [{ field: '', code: 'invalid_type' }]],
  ['a bad ID at index 3', '{"ids":[1,2,3,"4"]}', [{ field: 'ids[3]', code: 'invalid_type' }]],
  [
    'several problems',
    '{"ids":[0,"x",1.5,2],"a b":1}',
    [
      { field: 'ids[0]', code: 'not_positive' },
      { field: 'ids[1]', code: 'invalid_type' },
      { field: 'ids[2]', code: 'not_integer' },
      { field: '["a b"]', code: 'unrecognized_key' },
    ],
  ],
  ['a deep but small nesting', '{"ids":[[[[1]]]]}', [{ field: 'ids[0]', code: 'invalid_type' }]],
]

