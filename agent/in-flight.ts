/** Counts operations under way, so that less urgent work can yield to them (events to pod starts and status writes). */

/** InFlight counts the operations run through it that have not finished yet. */
export class InFlight {
  private n = 0;

  /** count is how many operations are under way. */
  get count(): number {
    return this.n;
  }

  /** track runs fn, counted until it settles. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.n++;
    try {
      return await fn();
    } finally {
      this.n--;
    }
  }

  /** aside runs fn inside a tracked operation without counting it (a slow wait nobody need yield to). */
  async aside<T>(fn: () => Promise<T>): Promise<T> {
    this.n--;
    try {
      return await fn();
    } finally {
      this.n++;
    }
  }
}
