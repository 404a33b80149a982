// The public surface, pinned: the names each entry point exports (values and types), and the
// types of the calls users write most. A change here is a change of the package's API: it
// must be made on purpose, with the CHANGELOG. The names are checked when the test runs; the
// `expectTypeOf` assertions by the compiler (`npm run typecheck`, which covers test/).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Request, RequestHandler } from 'express'
import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import ts from 'typescript'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type * as binlog from '../../src/binlog/index.js'
import type * as express from '../../src/http/adapters/express.js'
import type * as fastify from '../../src/http/adapters/fastify.js'
import type * as nodeHttp from '../../src/http/adapters/node-http.js'
import type * as http from '../../src/http/index.js'
import type * as main from '../../src/index.js'
import type * as mysql from '../../src/mysql/index.js'
import type * as redis from '../../src/redis/index.js'

const ROOT = join(import.meta.dirname, '../..')

/** The names a module exports, read from its source: re-export lists and exported declarations. */
function exportedNames(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2023, true)
  const names: string[] = []
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.exportClause === undefined || !ts.isNamedExports(statement.exportClause)) throw new Error(`${file}: export * hides the names`)
      names.push(...statement.exportClause.elements.map((element) => element.name.text))
    } else if (ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true) {
      if (ts.isVariableStatement(statement)) names.push(...statement.declarationList.declarations.map((d) => d.name.getText(source)))
      else {
        const name = (statement as { readonly name?: ts.Identifier }).name
        if (name !== undefined) names.push(name.text)
      }
    }
  }
  return names.sort()
}

const SURFACE: Readonly<Record<string, readonly string[]>> = {
  'src/index.ts': [
    'BatchEndEvent', 'BatchStartEvent', 'CHANNELS', 'CONTACTS_TABLE_SQL', 'CacheMode', 'Contact', 'ContactAbortError',
    'ContactChanges', 'ContactChangesClosedError', 'ContactInvalidator', 'ContactOverloadError', 'ContactQueryError',
    'ContactRepository', 'ContactRepositoryClosedError', 'ContactRepositoryError', 'ContactRepositoryErrorCode',
    'ContactRepositoryOptions', 'ContactRepositoryStats', 'ContactRowError', 'ContactRowErrorDetails', 'ContactTimeoutError',
    'ContactType', 'ContactValidationError', 'ContactWrites', 'ContactWritesOptions', 'ContactsDatabase', 'ContactsTable',
    'CreateContactsTableOptions', 'EvictionEvent', 'GetManyEvent', 'GetManyOptions', 'GetManyResult', 'InvalidationBus',
    'InvalidationEvent', 'InvalidationMessage', 'InvalidationSubscriber', 'SpanLike', 'StaleRow', 'Summary', 'TracerLike',
    'TrustEvent', 'ValidationIssue', 'ValidationIssueCode', 'createContactsTable',
    // Moved to contact-repository/http in 0.2; declarations that fail to compile with a hint (src/moved-exports.ts).
    'ContactResource', 'DEFAULT_PROBLEM_TYPE_BASE', 'FieldError', 'GetManyAdapterOptions', 'GetManyAuth',
    'GetManyErrorContext', 'GetManyHandler', 'GetManyHandlerOptions', 'GetManyHttpResponse', 'GetManyInput',
    'GetManyOpenApiOptions', 'GetManyProblemKind', 'GetManyProblemResponse', 'GetManyRepository', 'GetManyRequest',
    'GetManyResponseBody', 'GetManyResponseHeaders', 'GetManySuccessResponse', 'MAX_IDS_PER_REQUEST', 'OpenApiDocument',
    'PROBLEM_KINDS', 'ProblemBody', 'ProblemKindInfo', 'VALIDATION_ERROR_CODES', 'contactSchema',
    'createGetManyHandler', 'createGetManyOpenApiDocument', 'fieldErrorSchema', 'getManyRequestSchema',
    'getManyResponseSchema', 'idListSchema', 'idSchema', 'problemSchema',
  ],
  'src/mysql/index.ts': [
    'ContactMysqlDialect', 'MysqlConnectionOptions', 'MysqlDialectOptions', 'MysqlPoolStats', 'PreparedMysqlDialect',
    'PreparedMysqlDialectConfig', 'createMysqlDialect',
  ],
  'src/redis/index.ts': [
    'BusPublishEvent', 'BusPublishFailureEvent', 'BusReceiveEvent', 'BusTrustEvent', 'DistrustReason', 'FORMAT_VERSION',
    'InvalidationBusClosedError', 'InvalidationBusErrorCode', 'REDIS_BUS_CHANNELS', 'RedisInvalidationBus',
    'RedisInvalidationBusOptions', 'RedisInvalidationBusStats', 'createRedisInvalidationBus',
  ],
  'src/binlog/index.ts': [
    'BINLOG_CHANNELS', 'BinlogCheckpoint', 'BinlogConnectionError', 'BinlogGapEvent', 'BinlogInvalidateEvent',
    'BinlogInvalidationSource', 'BinlogInvalidationSourceOptions', 'BinlogInvalidationSourceStats', 'BinlogLeaseOptions',
    'BinlogPosition', 'BinlogPrivilegeError', 'BinlogRestartEvent', 'BinlogSourceClosedError', 'BinlogSourceError',
    'BinlogSourceErrorCode', 'BinlogSourceState', 'BinlogStateEvent', 'BinlogUnsafeServerError', 'CheckpointStore',
    'FullInvalidationReason', 'GapReason', 'InvalidationTarget', 'RedisCheckpointStoreOptions',
    'createBinlogInvalidationSource', 'memoryCheckpointStore', 'redisCheckpointStore',
  ],
  'src/http/index.ts': [
    'ContactResource', 'DEFAULT_PROBLEM_TYPE_BASE', 'FieldError', 'GetManyAdapterOptions', 'GetManyAuth',
    'GetManyErrorContext', 'GetManyHandler', 'GetManyHandlerOptions', 'GetManyHttpResponse', 'GetManyInput',
    'GetManyOpenApiOptions', 'GetManyProblemKind', 'GetManyProblemResponse', 'GetManyRepository', 'GetManyRequest',
    'GetManyResponseBody', 'GetManyResponseHeaders', 'GetManySuccessResponse', 'MAX_IDS_PER_REQUEST', 'OpenApiDocument',
    'OpenApiServer', 'PROBLEM_KINDS', 'ProblemBody', 'ProblemKindInfo', 'VALIDATION_ERROR_CODES', 'contactSchema',
    'createGetManyHandler', 'createGetManyOpenApiDocument', 'fieldErrorSchema', 'getManyRequestSchema',
    'getManyResponseSchema', 'idListSchema', 'idSchema', 'problemSchema',
  ],
  'src/http/adapters/node-http.ts': ['NodeHttpGetManyOptions', 'createNodeHttpGetManyHandler'],
  'src/http/adapters/express.ts': ['ExpressGetManyOptions', 'createExpressGetManyHandler'],
  'src/http/adapters/fastify.ts': ['FastifyGetManyOptions', 'createFastifyGetManyPlugin'],
}

describe('public surface', () => {
  it('every entry point of package.json is pinned here', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
    const code = Object.keys(manifest.exports).filter((key) => !/\.(json|sql)$/.test(key))
    expect(code).toHaveLength(Object.keys(SURFACE).length)
  })

  it.each(Object.keys(SURFACE))('%s exports exactly the pinned names', (file) => {
    expect(exportedNames(file)).toEqual([...(SURFACE[file] ?? [])].sort())
  })

  it('types the calls users write (checked by the compiler)', () => {
    // getMany: what it takes and what it resolves to.
    expectTypeOf<main.ContactRepository['getMany']>().parameters.toEqualTypeOf<
      [tenantId: number, ids: readonly number[], options?: main.GetManyOptions]
    >()
    expectTypeOf<main.ContactRepository['getMany']>().returns.toEqualTypeOf<Promise<main.GetManyResult>>()
    expectTypeOf<main.GetManyResult>().toEqualTypeOf<{
      readonly rows: main.Contact[]
      readonly missing: number[]
      readonly stale: readonly main.StaleRow[]
    }>()
    expectTypeOf<main.GetManyOptions>().toEqualTypeOf<{
      readonly cache?: 'normal' | 'no-fill' | 'bypass'
      readonly signal?: AbortSignal
      readonly staleIfError?: number
    }>()
    // Every key always there; the nullable columns are `null`, never absent; dates are ISO strings.
    expectTypeOf<keyof main.Contact>().toEqualTypeOf<
      'id' | 'firstName' | 'lastName' | 'companyName' | 'email' | 'phone' | 'type' | 'createdAt' | 'updatedAt'
    >()
    expectTypeOf<main.Contact['email' | 'phone' | 'firstName' | 'lastName' | 'companyName']>().toEqualTypeOf<string | null>()
    expectTypeOf<main.Contact['createdAt' | 'updatedAt']>().toEqualTypeOf<string>()

    // The options of every constructor and factory, by name.
    expectTypeOf<keyof main.ContactRepositoryOptions>().toEqualTypeOf<
      | 'db' | 'table' | 'maxEntries' | 'maxBytes' | 'maxEntriesPerTenant' | 'maxBytesPerTenant' | 'ttl' | 'ttlJitter'
      | 'notFoundTtl' | 'maxBatchSize' | 'queryTimeout' | 'maxConcurrentQueries' | 'maxConcurrentQueriesPerTenant'
      | 'maxQueuedQueries' | 'maxQueuedQueriesPerTenant' | 'overloadRetryAfter' | 'staleIfError' | 'untrustedTtl'
      | 'bus' | 'tracer' | 'now'
    >()
    expectTypeOf<keyof main.ContactWritesOptions<unknown>>().toEqualTypeOf<'db' | 'repository' | 'isolationLevel'>()
    expectTypeOf<keyof mysql.MysqlDialectOptions>().toEqualTypeOf<
      'connection' | 'connectionLimit' | 'acquireTimeout' | 'connectTimeout' | 'queryTimeout' | 'serverStatementTimeout' | 'preparedStatements'
    >()
    expectTypeOf<keyof redis.RedisInvalidationBusOptions>().toEqualTypeOf<
      'publisher' | 'subscriber' | 'channel' | 'heartbeatInterval' | 'heartbeatTimeout' | 'publishTimeout' | 'maxQueued' | 'sourceTimeout'
    >()
    expectTypeOf<keyof binlog.BinlogInvalidationSourceOptions>().toEqualTypeOf<
      | 'connection' | 'serverId' | 'table' | 'target' | 'announce' | 'checkpoint' | 'lease' | 'heartbeatInterval'
      | 'stallTimeout' | 'maxLag' | 'lagProbeInterval' | 'statusInterval' | 'checkpointInterval' | 'maxIdsPerTenant'
      | 'maxTenantsPerTransaction' | 'connectTimeout' | 'restartDelay'
    >()
    expectTypeOf<keyof http.GetManyHandlerOptions>().toEqualTypeOf<
      'requiredScope' | 'problemTypeBase' | 'retryAfterSeconds' | 'wwwAuthenticate' | 'generateRequestId' | 'onError'
    >()
    expectTypeOf<Exclude<keyof http.GetManyAdapterOptions<unknown>, keyof http.GetManyHandlerOptions>>().toEqualTypeOf<
      'authenticate' | 'bodyLimit' | 'maxDepth'
    >()

    // The factories: what each returns.
    expectTypeOf<typeof mysql.createMysqlDialect>().parameters.toEqualTypeOf<[options: mysql.MysqlDialectOptions]>()
    expectTypeOf<typeof mysql.createMysqlDialect>().returns.toEqualTypeOf<mysql.ContactMysqlDialect>()
    expectTypeOf<ReturnType<mysql.ContactMysqlDialect['poolStats']>>().toEqualTypeOf<mysql.MysqlPoolStats>()
    expectTypeOf<typeof redis.createRedisInvalidationBus>().returns.toEqualTypeOf<redis.RedisInvalidationBus>()
    expectTypeOf<redis.RedisInvalidationBus>().toExtend<main.InvalidationBus>()
    expectTypeOf<typeof binlog.createBinlogInvalidationSource>().returns.toEqualTypeOf<binlog.BinlogInvalidationSource>()
    expectTypeOf<binlog.BinlogInvalidationSource>().toExtend<main.InvalidationBus>()
    expectTypeOf<typeof http.createGetManyHandler>().returns.toEqualTypeOf<http.GetManyHandler>()
    expectTypeOf<http.GetManyHandler>().toEqualTypeOf<(input: http.GetManyInput) => Promise<http.GetManyHttpResponse>>()
    expectTypeOf<typeof nodeHttp.createNodeHttpGetManyHandler>().returns.toEqualTypeOf<
      (request: IncomingMessage, response: ServerResponse) => Promise<void>
    >()
    expectTypeOf<express.ExpressGetManyOptions>().toEqualTypeOf<http.GetManyAdapterOptions<Request>>()
    expectTypeOf<typeof express.createExpressGetManyHandler>().returns.toExtend<RequestHandler>()
    expectTypeOf<fastify.FastifyGetManyOptions>().toExtend<http.GetManyAdapterOptions<FastifyRequest>>()
    expectTypeOf<typeof fastify.createFastifyGetManyPlugin>().returns.toEqualTypeOf<FastifyPluginCallback>()

    // Errors: one hierarchy, one union of codes, the data fields.
    expectTypeOf<main.ContactRepositoryErrorCode>().toEqualTypeOf<
      | 'ERR_CONTACTS_INVALID_ARGUMENT' | 'ERR_CONTACTS_QUERY_FAILED' | 'ERR_CONTACTS_TIMEOUT' | 'ERR_CONTACTS_ABORTED'
      | 'ERR_CONTACTS_OVERLOADED' | 'ERR_CONTACTS_INVALID_ROW' | 'ERR_CONTACTS_CLOSED' | 'ERR_CONTACTS_CHANGES_CLOSED'
      | 'ERR_INVALIDATION_BUS_CLOSED' | 'ERR_BINLOG_UNSAFE_SERVER' | 'ERR_BINLOG_MISSING_PRIVILEGE' | 'ERR_BINLOG_CONNECTION'
      | 'ERR_BINLOG_CLOSED'
    >()
    expectTypeOf<main.ContactRepositoryError>().toExtend<Error>()
    expectTypeOf<main.ContactRepositoryError['code']>().toEqualTypeOf<main.ContactRepositoryErrorCode>()
    expectTypeOf<main.ContactRepositoryError['transient']>().toEqualTypeOf<boolean>()
    for (const error of [] as (
      | main.ContactValidationError | main.ContactQueryError | main.ContactTimeoutError | main.ContactAbortError
      | main.ContactOverloadError | main.ContactRowError | main.ContactRepositoryClosedError | main.ContactChangesClosedError
      | redis.InvalidationBusClosedError | binlog.BinlogSourceError
    )[]) expectTypeOf(error).toExtend<main.ContactRepositoryError>()
    expectTypeOf<redis.InvalidationBusClosedError['code']>().toEqualTypeOf<redis.InvalidationBusErrorCode>()
    expectTypeOf<binlog.BinlogSourceError['code']>().toEqualTypeOf<binlog.BinlogSourceErrorCode>()
    expectTypeOf<redis.InvalidationBusErrorCode | binlog.BinlogSourceErrorCode>().toExtend<main.ContactRepositoryErrorCode>()
    expectTypeOf<Pick<main.ContactRowError, 'tenantId' | 'id' | 'column'>>().toEqualTypeOf<{
      readonly tenantId: number
      readonly id: number | undefined
      readonly column: string
    }>()
    expectTypeOf<Pick<main.ContactQueryError, 'tenantId' | 'batchSize'>>().toEqualTypeOf<{ readonly tenantId: number; readonly batchSize: number }>()
    expectTypeOf<main.ContactTimeoutError['phase']>().toEqualTypeOf<'acquire' | 'query'>()
    expectTypeOf<main.ContactOverloadError['scope']>().toEqualTypeOf<'tenant' | 'global'>()
  })
})
