/**
 * EventRecorder writes the scheduler's events — `Scheduled` (Normal) and `FailedScheduling`
 * (Warning, the failure summary) — without blocking the scheduling loop: events go to a bounded
 * queue drained by a few concurrent writers, and are dropped (and counted) when the queue is full,
 * as Kubernetes' event broadcaster does; while bindings are in flight they yield, with one writer.
 * Repeated FailedScheduling of one pod does not flood: the
 * existing event's count and lastTimestamp are updated instead of creating a new one each retry.
 */
import { isConflict, isNotFound } from '../api/client-errors.js';
import type { Event, Pod } from '../api/types.js';

/** EVENT_COMPONENT is the source.component of the scheduler's events. */
export const EVENT_COMPONENT = 'flotilla-scheduler';

/** EventClient is the subset of ApiClient the recorder uses. */
export interface EventClient {
  create<T extends Event>(res: 'events', obj: T, namespace?: string): Promise<T>;
  update<T extends Event>(res: 'events', obj: T): Promise<T>;
  get<T extends Event>(res: 'events', name: string, namespace?: string): Promise<T>;
}

/** scheduledMessage is the text of a Scheduled event, as Kubernetes words it. */
export function scheduledMessage(pod: Readonly<Pod>, nodeName: string): string {
  return `Successfully assigned ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name} to ${nodeName}`;
}

/** EventRecorderOptions tune the writers. */
export interface EventRecorderOptions {
  concurrency?: number;
  maxQueued?: number;
  now?: () => Date;
  onError?: (err: unknown) => void;
  /** busy tells when more important writes (bindings) are in flight; events then use one writer. */
  busy?: () => boolean;
}

interface Job {
  podKey: string;
  pod: Readonly<Pod>;
  reason: 'Scheduled' | 'FailedScheduling';
  type: 'Normal' | 'Warning';
  message: string;
}

let seq = 0;

function eventName(pod: Readonly<Pod>, now: Date): string {
  // Kubernetes names events <object>.<hex nanoseconds>; a counter keeps names unique within a millisecond.
  const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(seq++ % 1_000_000);
  return `${pod.metadata.name}.${nanos.toString(16)}`;
}

/** EventRecorder queues and writes the scheduler's events. */
export class EventRecorder {
  private readonly queue: Job[] = [];
  /** failed remembers each pod's FailedScheduling event so a retry updates it. */
  private readonly failed = new Map<string, Event>();
  /** pendingFailed points at the queued FailedScheduling job of a pod, so retries coalesce. */
  private readonly pendingFailed = new Map<string, Job>();
  private running = 0;
  private closed = false;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly now: () => Date;
  private readonly idleWaiters: (() => void)[] = [];
  /** dropped counts events lost to a full queue. */
  dropped = 0;
  /** written counts events created or updated. */
  written = 0;

  constructor(private readonly client: EventClient, private readonly opts: EventRecorderOptions = {}) {
    this.concurrency = opts.concurrency ?? 4;
    this.maxQueued = opts.maxQueued ?? 20_000;
    this.now = opts.now ?? (() => new Date());
  }

  /** scheduled records a successful placement. */
  scheduled(podKey: string, pod: Readonly<Pod>, nodeName: string): void {
    this.forget(podKey);
    this.enqueue({ podKey, pod, reason: 'Scheduled', type: 'Normal', message: scheduledMessage(pod, nodeName) });
  }

  /** failedScheduling records a failed attempt; while one is queued for the pod, later ones only replace its message. */
  failedScheduling(podKey: string, pod: Readonly<Pod>, message: string): void {
    const queued = this.pendingFailed.get(podKey);
    if (queued) {
      queued.message = message;
      queued.pod = pod;
      return;
    }
    const job: Job = { podKey, pod, reason: 'FailedScheduling', type: 'Warning', message };
    this.pendingFailed.set(podKey, job);
    this.enqueue(job);
  }

  /** forget drops what the recorder remembers of a pod (it was scheduled or deleted). */
  forget(podKey: string): void {
    this.failed.delete(podKey);
  }

  /** close drops what is still queued and accepts nothing more (shutdown); writes in flight finish. */
  close(): void {
    this.closed = true;
    this.dropped += this.queue.length;
    this.queue.length = 0;
    this.pendingFailed.clear();
    if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      if (job.reason === 'FailedScheduling') this.pendingFailed.delete(job.podKey);
      return;
    }
    this.queue.push(job);
    this.pump();
  }

  /** pump starts writers for queued events: all of them when idle, one while `busy()` says bindings are in flight. */
  private pump(): void {
    const limit = this.opts.busy?.() ? 1 : this.concurrency;
    while (this.running < limit && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (job.reason === 'FailedScheduling') this.pendingFailed.delete(job.podKey);
      this.running++;
      this.write(job)
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private async write(job: Job): Promise<void> {
    const now = this.now().toISOString();
    const prev = job.reason === 'FailedScheduling' ? this.failed.get(job.podKey) : undefined;
    if (prev) {
      const next: Event = { ...prev, message: job.message, count: (prev.count ?? 1) + 1, lastTimestamp: now };
      try {
        this.remember(job, await this.client.update<Event>('events', next));
        this.written++;
        return;
      } catch (err) {
        if (isConflict(err)) {
          const fresh = await this.client.get<Event>('events', prev.metadata.name!, prev.metadata.namespace);
          this.remember(job, await this.client.update<Event>('events', { ...fresh, message: job.message, count: (fresh.count ?? 1) + 1, lastTimestamp: now }));
          this.written++;
          return;
        }
        if (!isNotFound(err)) throw err;
        this.failed.delete(job.podKey);
      }
    }
    const pod = job.pod;
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName(pod, this.now()), namespace: pod.metadata.namespace ?? 'default' },
      involvedObject: {
        apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name,
        uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion,
      },
      reason: job.reason,
      message: job.message,
      type: job.type,
      source: { component: EVENT_COMPONENT },
      reportingComponent: EVENT_COMPONENT,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const created = await this.client.create<Event>('events', ev, ev.metadata.namespace);
    this.written++;
    this.remember(job, created);
  }

  private remember(job: Job, ev: Event): void {
    if (job.reason === 'FailedScheduling') this.failed.set(job.podKey, ev);
  }

  /** idle resolves when every queued event has been written (or failed). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** queued is how many events wait to be written. */
  get queued(): number {
    return this.queue.length;
  }
}
