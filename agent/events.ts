/**
 * Records Events about pods (Pulling, Pulled, Created, Started, Killing, BackOff, Unhealthy) through
 * the API without blocking the pod workers: events go into a bounded queue sent by a few senders,
 * and a full queue drops the newest rather than slowing pods down.
 */
import { randomBytes } from 'node:crypto';
import type { ApiClient } from '../api/client.js';
import type { Event, Pod } from '../api/types.js';

/** EventType is Normal or Warning. */
export type EventType = 'Normal' | 'Warning';

/** EventRecorderOptions bound the queue. */
export interface EventRecorderOptions {
  host: string;
  concurrency?: number;
  maxQueued?: number;
  onError?: (err: unknown) => void;
}

/** EventRecorder queues and sends pod events. */
export class EventRecorder {
  private readonly queue: Event[] = [];
  private active = 0;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly opts: EventRecorderOptions,
  ) {}

  /** record queues one event about a pod (optionally a container of it). */
  record(pod: Readonly<Pod>, type: EventType, reason: string, message: string, containerName?: string): void {
    if (this.closed) return;
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) return;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const ns = pod.metadata.namespace ?? 'default';
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${pod.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: ns },
      involvedObject: {
        apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid,
        ...(containerName ? { fieldPath: `spec.containers{${containerName}}` } : {}),
      },
      reason,
      message,
      type,
      source: { component: 'flotilla-agent', host: this.opts.host },
      reportingComponent: 'flotilla-agent',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    this.queue.push(ev);
    this.pump();
  }

  private pump(): void {
    while (this.active < (this.opts.concurrency ?? 2) && this.queue.length) {
      const ev = this.queue.shift()!;
      this.active++;
      this.client
        .create<Event>('events', ev)
        .catch((e) => this.opts.onError?.(e))
        .finally(() => {
          this.active--;
          if (this.queue.length) this.pump();
          else if (this.active === 0) for (const f of this.idle.splice(0)) f();
        });
    }
  }

  /** flush waits (up to timeoutMs) until every queued event is sent. */
  flush(timeoutMs = 2000): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** close drops what is queued and records nothing more. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }
}
