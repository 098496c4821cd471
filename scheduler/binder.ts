/**
 * Binder posts bindings (POST pods/NAME/binding) with up to `concurrency` in flight, so that the
 * scheduling loop — serial, over the snapshot — never waits on one round trip: it waits only when
 * the pool is full. Each bind ends in an outcome value: Bound, Conflict (409: already bound),
 * Gone (404: the pod was deleted) or Error.
 */
import { isConflict, isNotFound } from '../api/client-errors.js';

/** BindOutcome is how a bind ended. */
export type BindOutcome = 'Bound' | 'Conflict' | 'Gone' | 'Error';

/** BindClient is the one call the binder makes; ApiClient has it, tests may pass a recorder. */
export interface BindClient {
  bind(namespace: string, podName: string, nodeName: string): Promise<unknown>;
}

/** classifyBindError maps a failed bind to its outcome. */
export function classifyBindError(err: unknown): BindOutcome {
  if (isConflict(err)) return 'Conflict';
  if (isNotFound(err)) return 'Gone';
  return 'Error';
}

/** Binder is the bounded pool of in-flight binds. */
export class Binder {
  private inFlight = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly client: BindClient, readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`Binder: concurrency must be a positive integer, got ${concurrency}`);
  }

  /** pending is the number of binds in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * submit starts a bind once a slot is free and resolves as soon as it has started; `onDone` gets
   * the outcome (and the error, if any) when the API answers. onDone must not throw.
   */
  async submit(namespace: string, podName: string, nodeName: string, onDone: (outcome: BindOutcome, err?: unknown) => void): Promise<void> {
    while (this.inFlight >= this.concurrency) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.inFlight++;
    this.client.bind(namespace, podName, nodeName).then(
      () => this.finish(onDone, 'Bound'),
      (err: unknown) => this.finish(onDone, classifyBindError(err), err),
    );
  }

  private finish(onDone: (outcome: BindOutcome, err?: unknown) => void, outcome: BindOutcome, err?: unknown): void {
    this.inFlight--;
    try {
      onDone(outcome, err);
    } finally {
      this.slotWaiters.shift()?.();
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** idle resolves when no bind is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
