/**
 * keyed-lock.ts: runs async work one at a time per key, so that two calls on the same sandbox
 * or container (Stop racing Remove) never interleave, while different keys run in parallel.
 */

/** KeyedLock serializes async functions that share a key. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** run waits for earlier work on `key`, then runs fn; the key is freed when the last waiter finishes. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
