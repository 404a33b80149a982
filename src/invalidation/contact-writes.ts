import type { IsolationLevel, Kysely, Transaction } from 'kysely'
import { ContactChangesClosedError } from '../errors.js'
import { assertIdList, assertTenantId } from '../validation/id-schema.js'
import { checkOptionKeys, hasMethods, oneOfOption, optionNames, requiredMethodsOption } from '../validation/option-checks.js'

/** What {@link ContactWrites} needs from a repository; a `ContactRepository` has it. */
export interface ContactInvalidator {
  invalidate(tenantId: number, ids: readonly number[]): Promise<void>
  invalidateTenant(tenantId: number): Promise<void>
}

/**
 * Records which contacts a write changes. They are invalidated after the commit, here and,
 * through the repository's bus, on every other instance.
 */
export interface ContactChanges {
  /** The tenant's `ids` were inserted, updated or deleted. Checks the IDs at once (before the commit). */
  ids(tenantId: number, ids: readonly number[]): void
  /** Many of the tenant's contacts changed (bulk update, import, deletion): forget them all. */
  tenant(tenantId: number): void
}

/** Options of `new ContactWrites(options)`. Validated once, in the constructor. */
export interface ContactWritesOptions<DB> {
  /** Database the writes run on, in a transaction each. Not a `Transaction`: see the class. */
  readonly db: Kysely<DB>
  /** Repository whose cache (and bus) the changes are invalidated in, after each commit. */
  readonly repository: ContactInvalidator
  /**
   * Isolation level of each transaction.
   * @default undefined (the database's own)
   */
  readonly isolationLevel?: IsolationLevel
}

const ISOLATION_LEVELS: readonly IsolationLevel[] = [
  'read uncommitted', 'read committed', 'repeatable read', 'serializable', 'snapshot',
]

const KNOWN_OPTIONS = optionNames<ContactWritesOptions<unknown>>({ db: true, repository: true, isolationLevel: true })

/**
 * Runs writes to contacts in a transaction and invalidates the changed contacts only after the
 * commit. Invalidating before the commit is the classic mistake: a reader that misses the
 * cache in between reads the old row, still committed, and caches it again for a whole TTL.
 *
 * ```ts
 * const writes = new ContactWrites({ db, repository })
 * await writes.execute(async (trx, changes) => {
 *   await trx.updateTable('contacts').set({ email }).where('tenant_id', '=', tenantId).where('id', '=', id).execute()
 *   changes.ids(tenantId, [id])
 * })
 * ```
 *
 * When the write throws, the transaction rolls back and nothing is invalidated. When the
 * commit itself fails, whether it happened is unknown, so the recorded changes are invalidated
 * anyway (an extra miss is harmless) before the error is rethrown.
 *
 * Writes made elsewhere follow the same order by hand: commit, then
 * `await repository.invalidate(tenantId, ids)` (or `invalidateTenant`). Inside a transaction
 * of your own, collect the IDs and invalidate after your commit resolved; `db` must not be a
 * `Transaction`, since the invalidation would then run before the outer commit.
 */
export class ContactWrites<DB> {
  readonly #db: Kysely<DB>
  readonly #repository: ContactInvalidator
  readonly #isolationLevel: IsolationLevel | undefined

  constructor(options: ContactWritesOptions<DB>) {
    checkOptionKeys(options, KNOWN_OPTIONS, 'ContactWrites', 'an object with `db` and `repository`')
    const { db } = options
    if (!hasMethods(db, ['transaction'])) throw new TypeError('options.db must be a Kysely instance')
    if (db.isTransaction) {
      throw new TypeError('options.db must not be a Transaction: the invalidation would run before its commit')
    }
    const repository = requiredMethodsOption(options, 'repository', ['invalidate', 'invalidateTenant'], 'a ContactRepository')
    const isolationLevel = oneOfOption(options, 'isolationLevel', ISOLATION_LEVELS)
    this.#db = db
    this.#repository = repository
    this.#isolationLevel = isolationLevel
  }

  /**
   * Runs `write` in a transaction, commits, invalidates what it recorded in `changes`, waits
   * until the invalidations are published (or queued for retry), and returns `write`'s result.
   */
  async execute<T>(write: (trx: Transaction<DB>, changes: ContactChanges) => Promise<T>): Promise<T> {
    const changes = new ChangeSet()
    let builder = this.#db.transaction()
    if (this.#isolationLevel !== undefined) builder = builder.setIsolationLevel(this.#isolationLevel)
    // Set once `write` returned: a failure after that is the commit's, whose outcome is unknown.
    const progress = { written: false }
    let result: T
    try {
      result = await builder.execute(async (trx) => {
        const value = await write(trx, changes)
        progress.written = true
        return value
      })
    } catch (error) {
      changes.seal()
      if (progress.written) await this.#invalidate(changes)
      throw error
    }
    changes.seal()
    await this.#invalidate(changes)
    return result
  }

  async #invalidate(changes: ChangeSet): Promise<void> {
    const pending: Promise<void>[] = []
    for (const [tenantId, ids] of changes.tenants) {
      pending.push(ids === null ? this.#repository.invalidateTenant(tenantId) : this.#repository.invalidate(tenantId, [...ids]))
    }
    await Promise.all(pending)
  }
}

class ChangeSet implements ContactChanges {
  // `null`: the whole tenant.
  readonly tenants = new Map<number, Set<number> | null>()
  #sealed = false

  ids(tenantId: number, ids: readonly number[]): void {
    this.#check()
    assertTenantId(tenantId)
    assertIdList(ids)
    let set = this.tenants.get(tenantId)
    if (set === null || ids.length === 0) return
    if (set === undefined) {
      set = new Set()
      this.tenants.set(tenantId, set)
    }
    for (const id of ids) set.add(id)
  }

  tenant(tenantId: number): void {
    this.#check()
    assertTenantId(tenantId)
    this.tenants.set(tenantId, null)
  }

  seal(): void {
    this.#sealed = true
  }

  #check(): void {
    if (this.#sealed) throw new ContactChangesClosedError()
  }
}
