/**
 * Notices what happens in the runtime without being told (a container exits, is OOM-killed, a
 * sandbox dies), as the kubelet's PLEG does: every second it lists all sandboxes and containers in
 * two calls, compares each pod's fingerprint with what its worker last saw, and wakes the worker on
 * a difference (a worker syncing at that moment is left alone: it reports what it saw when done).
 * Runtime objects of pods this node no longer has are handed over for teardown.
 */
import type { AgentLogger } from './logger.js';
import { LABEL_MANAGED } from './observed-pod.js';
import { fingerprint, type RuntimeView } from './runtime-view.js';

/** WatcherTarget is what the watcher reports to (the pod workers). */
export interface WatcherTarget {
  has(uid: string): boolean;
  /** busy: the pod's worker is syncing now; it reports what it saw when done, so a wake would only repeat its work. */
  busy(uid: string): boolean;
  wake(uid: string): void;
  orphan(uid: string): void;
}

/** RuntimeWatcher relists the runtime periodically and wakes the workers of changed pods. */
export class RuntimeWatcher {
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private busy = false;

  constructor(
    private readonly view: RuntimeView,
    private readonly target: WatcherTarget,
    private readonly log: AgentLogger,
    private readonly periodMs = 1000,
  ) {}

  /** observed records what a worker has just seen of its pod. */
  observed(uid: string, print: string): void {
    this.seen.set(uid, print);
  }

  /** start relists at once (cleaning up orphans) and then every period. */
  start(): void {
    this.stopped = false;
    void this.relist();
    this.timer = setInterval(() => void this.relist(), this.periodMs);
    this.timer.unref();
  }

  /** stop ends the relisting. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** relist runs one comparison pass; exposed for tests. */
  async relist(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      const listing = await this.view.listAll();
      for (const [uid, objs] of listing.byUid) {
        if (!this.target.has(uid)) {
          const managed = objs.sandboxes.some((s) => s.labels?.[LABEL_MANAGED]) || objs.containers.some((c) => c.labels?.[LABEL_MANAGED]);
          if (managed) this.target.orphan(uid);
          continue;
        }
        // A listing taken while the worker acts shows its work half-done; the next relist compares with what it reports.
        if (this.target.busy(uid)) continue;
        const print = fingerprint(objs.sandboxes, objs.containers);
        if (this.seen.get(uid) !== print) {
          this.seen.set(uid, print);
          this.target.wake(uid);
        }
      }
      for (const [uid, print] of this.seen) {
        if (listing.byUid.has(uid)) continue;
        if (!this.target.has(uid)) this.seen.delete(uid);
        else if (print !== '' && !this.target.busy(uid)) {
          this.seen.set(uid, '');
          this.target.wake(uid);
        }
      }
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'runtime relist failed');
    } finally {
      this.busy = false;
    }
  }
}
