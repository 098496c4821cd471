/**
 * Records Events about pods (Pulling, Pulled, Created, Started, Killing, BackOff, Unhealthy) through
 * the API without blocking the pod workers: events go into a bounded queue sent by a few senders,
 * and a full queue drops the newest rather than slowing pods down. While the agent is busy starting
 * pods or writing their statuses, events wait (up to maxDelayMs): they would compete with the status
 * writes for the API server and etcd, and a pod's status matters more than its events, as the
 * kubelet's rate-limited, asynchronous event recorder also has it.
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
  /** busy tells when more important work (pod starts, status writes) is under way; events then wait. */
  busy?: () => boolean;
  /** The longest an event waits for the agent to stop being busy before it is sent anyway (default 5 s). */
  maxDelayMs?: number;
}

/** BUSY_RECHECK_MS is how often held events look whether the agent is still busy. */
const BUSY_RECHECK_MS = 50;

/** EventRecorder queues and sends pod events. */
export class EventRecorder {
  /** The events still to send, each with when it was recorded (ms). */
  private readonly queue: { ev: Event; at: number }[] = [];
  private active = 0;
  /** Set by flush: queued events go out whether the agent is busy or not. */
  private draining = false;
  private recheck: NodeJS.Timeout | undefined;
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
    this.queue.push({ ev, at: Date.now() });
    this.pump();
  }

  /**
   * held tells whether the next event must wait for the agent to be idle (rechecking later if so).
   * An event that has waited maxDelayMs goes out anyway, one at a time while the agent stays busy.
   */
  private held(): boolean {
    if (this.draining || !this.opts.busy?.()) return false;
    const waitedMs = Date.now() - this.queue[0]!.at;
    if (waitedMs >= (this.opts.maxDelayMs ?? 5000)) return this.active > 0;
    this.recheck ??= setTimeout(() => {
      this.recheck = undefined;
      this.pump();
    }, BUSY_RECHECK_MS).unref();
    return true;
  }

  private pump(): void {
    while (this.active < (this.opts.concurrency ?? 2) && this.queue.length && !this.held()) {
      const { ev } = this.queue.shift()!;
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
    this.draining = true;
    this.pump();
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
    clearTimeout(this.recheck);
  }
}
