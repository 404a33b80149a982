/** A clock for the repository's `now` option that only moves when the test says so. */
export class ManualClock {
  #now: number

  constructor(start = 1_000_000) {
    this.#now = start
  }

  /** Pass as `now`. */
  readonly now = (): number => this.#now

  advance(ms: number): void {
    this.#now += ms
  }
}
