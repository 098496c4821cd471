/**
 * The set of pod workers: one per pod uid, made on the first event about the pod and dropped once
 * the pod is torn down. Informer events and runtime changes are routed here; each worker then syncs
 * serially while different pods sync concurrently.
 */
import type { Pod } from '../api/types.js';
import { PodWorker, type WorkerContext } from './pod-worker.js';

/** PodWorkers routes pod events to per-pod workers. */
export class PodWorkers {
  private readonly workers = new Map<string, PodWorker>();
  /** Uids torn down recently: a late event about them must not start a worker again. */
  private readonly gone = new Map<string, number>();
  private readonly ctx: WorkerContext;

  constructor(ctx: Omit<WorkerContext, 'finished'>) {
    this.ctx = { ...ctx, finished: (uid) => this.finished(uid) };
  }

  /**
   * upsert hands a worker its pod's latest version (informer add or update). `created` says the pod
   * came into being after this agent listed its pods (a watch add): no earlier agent can have made
   * runtime objects for it and this one has not yet, so its first sync need not ask the runtime.
   */
  upsert(pod: Readonly<Pod>, created = false): void {
    const uid = pod.metadata.uid;
    if (!uid || this.gone.has(uid)) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(uid, pod, this.ctx, created);
      this.workers.set(uid, w);
      w.wake();
      return;
    }
    w.update(pod);
  }

  /** remove tells a pod's worker that the pod is gone from the API (informer delete). */
  remove(pod: Readonly<Pod>): void {
    const uid = pod.metadata.uid;
    if (!uid || this.gone.has(uid)) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(uid, null, this.ctx);
      this.workers.set(uid, w);
    }
    w.update(null);
  }

  /** orphan tears down runtime objects of a pod uid that no pod of this node has. */
  orphan(uid: string): void {
    if (this.workers.has(uid) || this.gone.has(uid)) return;
    const w = new PodWorker(uid, null, this.ctx);
    this.workers.set(uid, w);
    w.update(null);
  }

  /** has tells whether a worker exists for the uid. */
  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  /** busy tells whether the uid's worker is syncing right now. */
  busy(uid: string): boolean {
    return this.workers.get(uid)?.syncing ?? false;
  }

  /** wake syncs one pod's worker (a runtime change or a probe result). */
  wake(uid: string): void {
    this.workers.get(uid)?.wake();
  }

  /** wakeAll syncs every worker (the pod CIDR arrived). */
  wakeAll(): void {
    for (const w of this.workers.values()) w.wake();
  }

  /** size is the number of live workers. */
  get size(): number {
    return this.workers.size;
  }

  /** stop ends every worker's timers (containers keep running). */
  stop(): void {
    for (const w of this.workers.values()) w.stop();
  }

  private finished(uid: string): void {
    this.workers.get(uid)?.stop();
    this.workers.delete(uid);
    const now = Date.now();
    this.gone.set(uid, now);
    for (const [u, t] of this.gone) if (now - t > 120_000) this.gone.delete(u);
  }
}
