import { MysqlAdapter } from 'kysely'
import { STATEMENT_RUNNER, type StatementRunner, type StatementRunnerCarrier } from '../contacts/statement-runner.js'

/**
 * kysely's MySQL adapter, unchanged, carrying the runner through which `ContactRepository`
 * sends its select as a prepared statement. The adapter is the one part of a dialect that
 * kysely lets code holding a `Kysely` instance see (`db.getExecutor().adapter`).
 */
export class PreparedMysqlAdapter extends MysqlAdapter implements StatementRunnerCarrier {
  readonly [STATEMENT_RUNNER]: StatementRunner

  constructor(runner: StatementRunner) {
    super()
    this[STATEMENT_RUNNER] = runner
  }
}
