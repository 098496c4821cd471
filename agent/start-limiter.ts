/**
 * A FIFO limit on how many pods start at once. The runtime's sandbox and container creation is
 * CPU- and lock-bound; fifty pods started together all finish late, while a few at a time in arrival
 * order finish early and in order, which is what startup latency percentiles measure.
 */

/** StartLimiter runs at most `limit` tasks at once, the rest in arrival order. */
export class StartLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`StartLimiter: limit must be a whole number ≥ 1, got ${limit}`);
  }

  /** run waits for a slot, runs fn, and frees the slot whatever fn does. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
