import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

/**
 * A Kysely plugin that can hold the results of SELECT statements after the database has
 * answered them, until the test releases them. With it a test can put a query "in flight"
 * with its rows already read, then interleave writes and invalidations deterministically —
 * no sleeps.
 */
export class ResultGate implements KyselyPlugin {
  /** While true, every SELECT result is held. */
  closed = false
  readonly #selects = new WeakSet<object>()
  readonly #held: (() => void)[] = []
  #waiters: { count: number; resolve: () => void }[] = []

  /** Number of results currently held. */
  get held(): number {
    return this.#held.length
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'SelectQueryNode') this.#selects.add(args.queryId)
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.closed && this.#selects.has(args.queryId)) {
      await new Promise<void>((resolve) => {
        this.#held.push(resolve)
        this.#notify()
      })
    }
    return args.result
  }

  /** Resolves once at least `count` results are held. */
  whenHeld(count = 1): Promise<void> {
    if (this.#held.length >= count) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ count, resolve }))
  }

  /** Lets every held result through, and stops holding new ones. */
  open(): void {
    this.closed = false
    for (const release of this.#held.splice(0)) release()
  }

  #notify(): void {
    const ready = this.#waiters.filter((w) => this.#held.length >= w.count)
    this.#waiters = this.#waiters.filter((w) => this.#held.length < w.count)
    for (const waiter of ready) waiter.resolve()
  }
}
