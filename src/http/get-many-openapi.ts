import { z } from 'zod'
import {
  contactSchema,
  fieldErrorSchema,
  getManyRequestSchema,
  getManyResponseSchema,
  problemSchema,
} from './get-many-schemas.js'
import { checkOptionKeys, optionNames, stringOption } from '../validation/option-checks.js'
import { DEFAULT_PROBLEM_TYPE_BASE, PROBLEM_KINDS, type GetManyProblemKind } from './problem-kinds.js'

/** One entry of the document's `servers`. */
export interface OpenApiServer {
  /** Base URL of the API; a relative one (`/`) is relative to where the document is served. */
  readonly url: string
  readonly description?: string
}

/**
 * Options of {@link createGetManyOpenApiDocument}. Checked when the document is made; a bad
 * value throws a `TypeError` naming the option.
 */
export interface GetManyOpenApiOptions {
  /**
   * Path the endpoint is served at.
   * @default '/contacts/get-many'
   */
  readonly path?: string
  /**
   * `problemTypeBase` of the handler, for the `type` shown in the examples.
   * @default 'urn:contact-repository:problem:'
   */
  readonly problemTypeBase?: string
  /**
   * `requiredScope` of the handler: the scope the operation's bearer token must grant.
   * @default 'contacts:read'
   */
  readonly requiredScope?: string
  /**
   * `info.title`.
   * @default 'Contacts get-many'
   */
  readonly title?: string
  /**
   * `info.version`: the version of this API description, not of the package.
   * @default '1.0.0'
   */
  readonly version?: string
  /**
   * `servers`: where your application serves the endpoint. By default one relative server,
   * `/`: the host that serves the document.
   * @default [{ url: '/' }]
   */
  readonly servers?: readonly OpenApiServer[]
}

const KNOWN_OPTIONS = optionNames<GetManyOpenApiOptions>({
  path: true, problemTypeBase: true, requiredScope: true, title: true, version: true, servers: true,
})

/** An OpenAPI 3.1 document, as plain JSON. */
export type OpenApiDocument = Record<string, unknown>

const SCHEMAS = '#/components/schemas/'

/** Name of the security scheme: a bearer token carrying the caller's tenant and scopes. */
const SECURITY_SCHEME = 'bearerAuth'

// When each problem is answered; the statuses and titles come from PROBLEM_KINDS.
const WHEN: Readonly<Record<GetManyProblemKind, string>> = {
  'malformed-body': 'The body is not valid JSON (or not UTF-8, or nested too deep).',
  unauthenticated: 'The request is not authenticated.',
  'insufficient-scope': 'Scope insufficient. Decided before the body is looked at.',
  'body-too-large': 'The body is larger than the server accepts (8 KB by default); it was not parsed.',
  'unsupported-media-type': 'The body is not sent as application/json.',
  'validation-failed': 'Validation failed: `errors` lists each problem (at most 20) with its field path.',
  'internal-error': 'An unexpected failure. The body never carries a stack or driver text.',
  'service-unavailable': 'The contact store is overloaded, too slow or unreachable; retry after `Retry-After` seconds.',
}

/**
 * The OpenAPI 3.1 description of `POST /contacts/get-many`, generated from the exported zod
 * schemas so that the document and the validation cannot disagree. `npm run openapi` writes
 * it to `openapi.json` (shipped as `contact-repository/openapi.json`). The scope is declared
 * as OpenAPI 3.1 allows for a scheme other than OAuth: as a role name in the operation's
 * `security` requirement.
 */
export function createGetManyOpenApiDocument(options: GetManyOpenApiOptions = {}): OpenApiDocument {
  checkOptionKeys(options, KNOWN_OPTIONS, 'createGetManyOpenApiDocument', 'an object')
  const nonEmpty = (value: string): boolean => value !== ''
  const path = stringOption(options, 'path', '/contacts/get-many', 'a path starting with "/"', (p) => p.startsWith('/'))
  const problemTypeBase = stringOption(options, 'problemTypeBase', DEFAULT_PROBLEM_TYPE_BASE, 'a string', () => true)
  const requiredScope = stringOption(options, 'requiredScope', 'contacts:read', 'a non-empty string', nonEmpty)
  const title = stringOption(options, 'title', 'Contacts get-many', 'a non-empty string', nonEmpty)
  const version = stringOption(options, 'version', '1.0.0', 'a non-empty string', nonEmpty)
  const { servers = [{ url: '/', description: 'The application serving this endpoint (relative to where this document is served)' }] } = options
  const listed: unknown = servers
  if (!Array.isArray(listed)) throw new TypeError('options.servers must be an array of { url, description? }')

  const registry = z.registry<{ id: string }>()
  registry.add(getManyRequestSchema, { id: 'GetManyRequest' })
  registry.add(contactSchema, { id: 'Contact' })
  registry.add(getManyResponseSchema, { id: 'GetManyResponse' })
  registry.add(fieldErrorSchema, { id: 'FieldError' })
  registry.add(problemSchema, { id: 'Problem' })
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', uri: (id) => `${SCHEMAS}${id}` })
  const components: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(schemas)) {
    // Component schemas are parts of the document, not standalone documents.
    const component: Record<string, unknown> = { ...schema }
    delete component.$schema
    delete component.$id
    components[name] = component
  }

  const standardHeaders = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } }
  const responses: Record<string, unknown> = {
    '200': {
      description: 'Contacts',
      headers: standardHeaders,
      content: { 'application/json': { schema: { $ref: `${SCHEMAS}GetManyResponse` } } },
    },
  }
  for (const [kind, { status, title: problemTitle }] of Object.entries(PROBLEM_KINDS)) {
    const problemKind = kind as GetManyProblemKind
    const headers: Record<string, unknown> = { ...standardHeaders }
    if (status === 503) headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' }
    if (status === 401) headers['WWW-Authenticate'] = { description: 'The authentication scheme expected.', schema: { type: 'string' } }
    responses[String(status)] = {
      description: `${problemTitle}. ${WHEN[problemKind]}`,
      headers,
      content: {
        'application/problem+json': {
          schema: { $ref: `${SCHEMAS}Problem` },
          example: { type: `${problemTypeBase}${problemKind}`, title: problemTitle, status },
        },
      },
    }
  }

  return {
    openapi: '3.1.0',
    info: {
      title,
      version,
      description:
        'Bulk-fetch contacts by ID. Served by contact-repository; the tenant and the scopes come from ' +
        'the host application\'s authentication, never from the body.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: servers.map((server) => ({ ...server })),
    paths: {
      [path]: {
        post: {
          operationId: 'getManyContacts',
          summary: 'Bulk-fetch contacts by ID',
          description:
            'Fetch up to 50 contacts by ID in a single round-trip. Returns rows for IDs that exist in the ' +
            'tenant; IDs that do not exist (or belong to another tenant) are silently omitted. Compare ' +
            '`meta.requested` (distinct IDs) to `meta.returned` to detect missing ones. `data` follows the ' +
            `order of \`ids\`. Requires a bearer token granting the scope \`${requiredScope}\`: without a ` +
            'token the answer is 401, without the scope 403, decided before the body is read.',
          security: [{ [SECURITY_SCHEME]: [requiredScope] }],
          parameters: [
            {
              name: 'X-Request-Id',
              in: 'header',
              required: false,
              description: 'Reused as the request ID when it is 1-128 visible ASCII characters; otherwise one is generated.',
              schema: { type: 'string' },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: `${SCHEMAS}GetManyRequest` } } },
          },
          responses,
        },
      },
    },
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token your application verifies; the tenant and the scopes come from it. The scopes the ' +
            'operation lists under this scheme must be among the token\'s.',
        },
      },
      schemas: components,
      headers: {
        'X-Request-Id': {
          description: 'The request ID, also in `meta.request_id` or the problem\'s `request_id`.',
          schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
        },
        'Retry-After': {
          description: 'Seconds to wait before retrying.',
          schema: { type: 'string', pattern: '^[0-9]+$' },
        },
      },
    },
  }
}
