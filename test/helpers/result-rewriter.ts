import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

/** Rewrites the rows of one SELECT result; receives them as the driver returned them. */
export type RowRewrite = (rows: readonly UnknownRow[]) => UnknownRow[]

/**
 * A Kysely plugin that rewrites SELECT results after the database answered, while `rewrite`
 * is set: it stands for a driver, proxy or query bug that returns rows the query did not ask
 * for, so a test can check what the repository does with them. Other statements pass untouched.
 */
export class ResultRewriter implements KyselyPlugin {
  /** Applied to each SELECT result while set; `undefined` lets results through. */
  rewrite: RowRewrite | undefined
  /** SELECT results rewritten so far. */
  rewritten = 0
  readonly #selects = new WeakSet<object>()

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'SelectQueryNode') this.#selects.add(args.queryId)
    return args.node
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const { rewrite } = this
    if (rewrite === undefined || !this.#selects.has(args.queryId)) return Promise.resolve(args.result)
    this.rewritten++
    return Promise.resolve({ ...args.result, rows: rewrite(args.result.rows) })
  }
}
