/**
 * SchedulingQueue holds the pods waiting for a node, deduplicated by "namespace/name", in three
 * places, as Kubernetes' priority queue does:
 *  - active: a heap by priority (higher first), then by when the pod was first queued (older first);
 *  - backoff: pods that failed recently, each until 1 s × 2^(attempts−1) (at most 10 s) has passed;
 *  - unschedulable: pods that fit nowhere, waiting for a cluster change (a node added or changed, a
 *    pod deleted or finished), which moves them back to active — or to backoff while still backing
 *    off. A pod that failed during a cycle in which such a change happened goes to backoff at once,
 *    so the change is not missed. Pods left unschedulable for a minute are retried anyway.
 */
import type { PodInfo } from './pod-info.js';

/** QueueOptions tune backoff and give a clock (tests pass a fake one). */
export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** maxUnschedulableMs: after this long without a helpful change a pod is retried anyway (default 60 s). */
  maxUnschedulableMs?: number;
  now?: () => number;
}

/** QueuedPod is a pod in the queue with its bookkeeping. */
export interface QueuedPod {
  podInfo: PodInfo;
  /** attempts is how many scheduling attempts failed so far. */
  attempts: number;
  /** timestamp is when the pod was first queued; it orders equal priorities. */
  readonly timestamp: number;
  /** lastAttempt is when it was last popped (or queued). */
  lastAttempt: number;
  /** cycle is the scheduling cycle that popped it last. */
  cycle: number;
}

type Place = 'active' | 'backoff' | 'unschedulable' | 'inflight';

interface Entry {
  qp: QueuedPod;
  place: Place;
  /** seq tells a live heap item from a stale one left by a move or delete. */
  seq: number;
  /** updated is set when the pod changed while in flight. */
  updated: boolean;
}

interface HeapItem {
  key: string;
  seq: number;
  priority: number;
  time: number;
}

/** MinHeap is a binary heap with a caller-given order (less = comes out first). */
class MinHeap {
  private readonly items: HeapItem[] = [];
  constructor(private readonly less: (a: HeapItem, b: HeapItem) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  peek(): HeapItem | undefined {
    return this.items[0];
  }
  push(x: HeapItem): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): HeapItem | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** activeLess orders the active queue: higher priority first, then older first. */
export function activeLess(a: { priority: number; time: number }, b: { priority: number; time: number }): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.time < b.time;
}

/** backoffDuration is the wait after `attempts` failures: initial × 2^(attempts−1), capped. */
export function backoffDuration(attempts: number, initialMs: number, maxMs: number): number {
  if (attempts <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempts - 1, 30));
}

/** schedulingRelevant is the part of a pod whose change may change the decision (spec, labels), as text. */
function schedulingRelevant(p: PodInfo): string {
  return JSON.stringify([p.pod.spec, p.pod.metadata.labels ?? null]);
}

/** SchedulingQueue is the scheduler's queue of pods to place. */
export class SchedulingQueue {
  private readonly entries = new Map<string, Entry>();
  /** unschedulable holds the keys waiting for a cluster change, so a move does not scan the whole queue. */
  private readonly unschedulable = new Set<string>();
  private readonly active = new MinHeap((a, b) => activeLess(a, b));
  private readonly backoff = new MinHeap((a, b) => a.time < b.time);
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly now: () => number;
  private seq = 0;
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiters: ((qp: QueuedPod | undefined) => void)[] = [];
  private closed = false;

  constructor(opts: QueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  private backoffUntil(qp: QueuedPod): number {
    return qp.lastAttempt + backoffDuration(qp.attempts, this.initialBackoffMs, this.maxBackoffMs);
  }

  private toActive(key: string, e: Entry): void {
    this.unschedulable.delete(key);
    e.place = 'active';
    e.seq = ++this.seq;
    e.updated = false;
    this.active.push({ key, seq: e.seq, priority: e.qp.podInfo.priority, time: e.qp.timestamp });
    this.wakeOne();
  }

  private toBackoff(key: string, e: Entry): void {
    this.unschedulable.delete(key);
    e.place = 'backoff';
    e.seq = ++this.seq;
    e.updated = false;
    this.backoff.push({ key, seq: e.seq, priority: 0, time: this.backoffUntil(e.qp) });
  }

  private wakeOne(): void {
    while (this.waiters.length > 0 && this.active.size > 0) {
      const qp = this.tryPop();
      if (!qp) return;
      this.waiters.shift()!(qp);
    }
  }

  /** add queues a new pending pod; a pod already queued (or in flight) is updated instead. */
  add(podInfo: PodInfo): void {
    if (this.closed) return;
    const e = this.entries.get(podInfo.key);
    if (e) return this.update(podInfo);
    const t = this.now();
    const entry: Entry = { qp: { podInfo, attempts: 0, timestamp: t, lastAttempt: t, cycle: 0 }, place: 'active', seq: 0, updated: false };
    this.entries.set(podInfo.key, entry);
    this.toActive(podInfo.key, entry);
  }

  /** update replaces a queued pod's object; a changed unschedulable pod may fit now, so it is retried. */
  update(podInfo: PodInfo): void {
    const e = this.entries.get(podInfo.key);
    if (!e) return this.add(podInfo);
    const changed = schedulingRelevant(e.qp.podInfo) !== schedulingRelevant(podInfo);
    e.qp.podInfo = podInfo;
    if (e.place === 'inflight') {
      if (changed) e.updated = true;
    } else if (e.place === 'unschedulable' && changed) {
      if (this.backoffUntil(e.qp) > this.now()) this.toBackoff(podInfo.key, e);
      else this.toActive(podInfo.key, e);
    } else if (e.place === 'active' && e.qp.podInfo.priority !== podInfo.priority) {
      this.toActive(podInfo.key, e);
    }
  }

  /** delete drops a pod (deleted, bound elsewhere, or no longer ours) from wherever it waits. */
  delete(key: string): void {
    this.entries.delete(key);
    this.unschedulable.delete(key);
  }

  /** get gives the PodInfo of a queued (or in-flight) pod. */
  get(key: string): PodInfo | undefined {
    return this.entries.get(key)?.qp.podInfo;
  }

  /** has tells whether a pod is queued or in flight. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** tryPop takes the next active pod without waiting, or undefined. */
  tryPop(): QueuedPod | undefined {
    for (;;) {
      const item = this.active.pop();
      if (!item) return undefined;
      const e = this.entries.get(item.key);
      if (!e || e.place !== 'active' || e.seq !== item.seq) continue;
      e.place = 'inflight';
      e.qp.cycle = ++this.schedulingCycle;
      e.qp.lastAttempt = this.now();
      return e.qp;
    }
  }

  /** pop waits for the next active pod; undefined once the queue is closed. */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const qp = this.tryPop();
    if (qp) return Promise.resolve(qp);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** requeueActive puts a popped pod back unprocessed (the scheduler stopped leading): no attempt is counted. */
  requeueActive(qp: QueuedPod): void {
    const e = this.entries.get(qp.podInfo.key);
    if (e?.place === 'inflight') this.toActive(qp.podInfo.key, e);
  }

  /** interrupt wakes every waiting pop with undefined without closing the queue. */
  interrupt(): void {
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** done ends a pod's flight after it was bound: it leaves the queue. */
  done(key: string): void {
    const e = this.entries.get(key);
    if (e?.place === 'inflight') this.entries.delete(key);
  }

  /**
   * addUnschedulable returns a pod that fit nowhere: to backoff when the cluster changed during its
   * cycle (or the pod itself changed), else to the unschedulable pool to wait for a change.
   */
  addUnschedulable(qp: QueuedPod): void {
    const e = this.entries.get(qp.podInfo.key);
    if (!e || e.place !== 'inflight') return;
    e.qp.attempts++;
    if (e.updated || this.moveRequestCycle >= qp.cycle) this.toBackoff(qp.podInfo.key, e);
    else {
      e.place = 'unschedulable';
      e.seq = ++this.seq;
      this.unschedulable.add(qp.podInfo.key);
    }
  }

  /** requeueWithBackoff returns a pod whose bind failed (conflict or error): it waits its backoff, then retries. */
  requeueWithBackoff(qp: QueuedPod): void {
    const e = this.entries.get(qp.podInfo.key);
    if (!e || e.place !== 'inflight') return;
    e.qp.attempts++;
    this.toBackoff(qp.podInfo.key, e);
  }

  /** moveAllToActiveOrBackoff is the answer to a cluster change that may help: every unschedulable pod is retried. */
  moveAllToActiveOrBackoff(): void {
    const now = this.now();
    for (const key of [...this.unschedulable]) {
      const e = this.entries.get(key)!;
      if (this.backoffUntil(e.qp) > now) this.toBackoff(key, e);
      else this.toActive(key, e);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** flush moves pods whose backoff ended to active, and pods unschedulable for too long to active/backoff. */
  flush(): void {
    const now = this.now();
    for (;;) {
      const top = this.backoff.peek();
      if (!top || top.time > now) break;
      this.backoff.pop();
      const e = this.entries.get(top.key);
      if (e && e.place === 'backoff' && e.seq === top.seq) this.toActive(top.key, e);
    }
    for (const key of [...this.unschedulable]) {
      const e = this.entries.get(key)!;
      if (now - e.qp.lastAttempt >= this.maxUnschedulableMs) this.toActive(key, e);
    }
  }

  /** lengths count the pods in each place, for logs and tests. */
  lengths(): Record<Place, number> {
    const out: Record<Place, number> = { active: 0, backoff: 0, unschedulable: 0, inflight: 0 };
    for (const e of this.entries.values()) out[e.place]++;
    return out;
  }

  /** placeOf tells where a pod waits, or undefined. */
  placeOf(key: string): Place | undefined {
    return this.entries.get(key)?.place;
  }

  /** isClosed tells whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** close wakes every waiting pop with undefined and refuses new pods. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
