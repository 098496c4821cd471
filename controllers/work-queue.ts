/**
 * WorkQueue is the controllers' rate-limited queue of `namespace/name` keys: a key waits at most
 * once (adding it again while queued is a no-op), one key is processed by at most one worker at a
 * time (a key added while it is processed runs again afterwards), and a failed sync is retried with
 * exponential backoff. Handlers only enqueue; all the work happens in sync(key).
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly sync: (key: string) => Promise<void>,
    private readonly opts: { workers?: number; baseDelayMs?: number; maxDelayMs?: number; onError?: (key: string, err: unknown) => void } = {},
  ) {}

  /** add enqueues a key unless it is already waiting; a key being processed is marked to run again. */
  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  /** addAfter enqueues a key after a delay (used for requeue-after and backoff). */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.timers.add(timer);
  }

  /** forget resets a key's failure count after a successful sync. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** length is how many keys wait (not counting those being processed). */
  get length(): number {
    return this.order.length;
  }

  /** whenIdle resolves when nothing waits and nothing is processed (tests and benches use it). */
  whenIdle(): Promise<void> {
    if (this.order.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** stop drops waiting keys and pending retries; syncs already running finish on their own. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.order.length = 0;
    this.queued.clear();
  }

  private pump(): void {
    const workers = this.opts.workers ?? 1;
    while (!this.stopped && this.running < workers && this.order.length > 0) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.running++;
      void this.runOne(key);
    }
    if (this.order.length === 0 && this.running === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async runOne(key: string): Promise<void> {
    try {
      await this.sync(key);
      this.failures.delete(key);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.opts.onError?.(key, err);
      const base = this.opts.baseDelayMs ?? 50;
      const max = this.opts.maxDelayMs ?? 30_000;
      this.addAfter(key, Math.min(max, base * 2 ** (n - 1)));
    } finally {
      this.processing.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
