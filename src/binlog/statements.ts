/** What a statement of a binlog Query event means to the tailer. */
export type StatementKind =
  /** Opens a transaction (MySQL-style groups, statement format). */
  | 'begin'
  /** Ends the group; its row events took effect. */
  | 'commit'
  /**
   * Ends the group. InnoDB changes that were rolled back never reach the binlog, so any row
   * event in such a group changed a non-transactional table and took effect all the same.
   */
  | 'rollback'
  /** Commits an XA transaction prepared earlier (its rows were logged at XA PREPARE). */
  | 'xa-commit'
  /** Rolls back a prepared XA transaction: nothing changed. */
  | 'xa-rollback'
  /** Savepoints and XA bookkeeping inside a group: nothing to do. */
  | 'ignore'
  /** Anything else: DDL, or DML logged in statement format. */
  | 'other'

// Leading comments (`/* ... */`, `-- ...`, `# ...`) and blanks, which clients may put first.
const LEADING_NOISE = /^(?:\s+|\/\*[\s\S]*?\*\/|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$))*/
const FIRST_WORDS = /^([A-Za-z]+)(?:\s+([A-Za-z]+))?/

/** Classifies a Query event's text by its first words (case-insensitive). */
export function classifyStatement(text: string): StatementKind {
  const body = text.replace(LEADING_NOISE, '')
  const match = FIRST_WORDS.exec(body)
  if (match === null) return 'other'
  const first = (match[1] ?? '').toUpperCase()
  const second = (match[2] ?? '').toUpperCase()
  switch (first) {
    case 'BEGIN':
      return 'begin'
    case 'START':
      return second === 'TRANSACTION' ? 'begin' : 'other'
    case 'COMMIT':
      return 'commit'
    case 'ROLLBACK':
      return second === 'TO' ? 'ignore' : 'rollback'
    case 'SAVEPOINT':
      return 'ignore'
    case 'RELEASE':
      return second === 'SAVEPOINT' ? 'ignore' : 'other'
    case 'XA':
      if (second === 'COMMIT') return 'xa-commit'
      if (second === 'ROLLBACK') return 'xa-rollback'
      return 'ignore'
    default:
      return 'other'
  }
}

/**
 * Whether a statement may have changed `schema`.`table`: it names the table (any statement
 * that touches it names it, except through a trigger, view or routine), or drops its database.
 * Case-insensitive and by substring, so it errs on the side of invalidating: a statement about
 * `contacts_archive` counts for `contacts`, which costs a full invalidation, never a stale row.
 */
export function mayChangeTable(text: string, schema: string, table: string): boolean {
  const lower = text.toLowerCase()
  if (lower.includes(table.toLowerCase())) return true
  return /\bdrop\s+(?:database|schema)\b/.test(lower) && lower.includes(schema.toLowerCase())
}
