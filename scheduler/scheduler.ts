/**
 * Scheduler connects the parts: informer events feed the cache (nodes, assigned pods) and the queue
 * (pending pods that are ours); the loop pops one pod at a time, decides over the snapshot
 * (synchronously), assumes the pod on its node at once and hands the bind to the binder pool, so
 * decisions stay serial while binds overlap. A bind conflict or error forgets the assumption and
 * requeues the pod with backoff; a pod that fits nowhere waits for a cluster change, with a
 * FailedScheduling event carrying the summary.
 */
import type { Node, Pod } from '../api/types.js';
import { Binder, type BindClient, type BindOutcome } from './binder.js';
import { SchedulerCache } from './cache.js';
import type { SchedulerConfig } from './config.js';
import { EventRecorder, type EventClient } from './events.js';
import { Framework } from './framework/framework.js';
import { isTerminal, podKey, updatePodInfo } from './pod-info.js';
import { type QueuedPod, SchedulingQueue } from './queue.js';

/** SCHEDULER_NAMES are the spec.schedulerName values this scheduler answers to (unset counts too). */
export const SCHEDULER_NAMES: readonly string[] = ['flotilla', 'default-scheduler'];

/** SchedulerLog is the logger shape the scheduler writes to (console and pino both fit). */
export interface SchedulerLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** SILENT is a logger that drops everything. */
export const SILENT: SchedulerLog = { info() {}, warn() {}, error() {} };

/** isPendingForUs tells whether a pod waits for this scheduler: no node, ours by name, not deleting, not finished. */
export function isPendingForUs(pod: Readonly<Pod>, names: readonly string[] = SCHEDULER_NAMES): boolean {
  if (pod.spec?.nodeName) return false;
  if (pod.metadata.deletionTimestamp) return false;
  if (isTerminal(pod)) return false;
  const name = pod.spec?.schedulerName;
  return !name || names.includes(name);
}

/** SchedulerStats count what the scheduler did, for logs, tests and the bench. */
export interface SchedulerStats {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  bindConflicts: number;
  bindErrors: number;
}

/** SchedulerDeps are the clients the scheduler writes through. */
export interface SchedulerDeps {
  binder: BindClient;
  events: EventClient;
  config: SchedulerConfig;
  log?: SchedulerLog;
  /** random for ties (tests pass a seeded one). */
  random?: () => number;
}

/** Scheduler is one scheduler instance: cache, queue, framework, binder and events. */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue = new SchedulingQueue();
  readonly framework: Framework;
  readonly binder: Binder;
  readonly events: EventRecorder;
  readonly stats: SchedulerStats = { attempts: 0, scheduled: 0, unschedulable: 0, bindConflicts: 0, bindErrors: 0 };
  private readonly log: SchedulerLog;
  private running: Promise<void> | undefined;
  private active = false;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(deps: SchedulerDeps) {
    this.log = deps.log ?? SILENT;
    this.framework = new Framework({
      scoreWeights: deps.config.scoreWeights, percentageOfNodesToScore: deps.config.percentageOfNodesToScore, random: deps.random,
    });
    this.binder = new Binder(deps.binder, deps.config.bindConcurrency);
    this.events = new EventRecorder(deps.events, {
      onError: (err) => this.log.warn(`event not written: ${(err as Error)?.message ?? String(err)}`),
      busy: () => this.binder.pending > 0,
    });
  }

  // ---------------------------------------------------------------- informer handlers

  /** onNode handles a node added or updated. */
  onNode(node: Readonly<Node>): void {
    if (this.cache.setNode(node)) this.queue.moveAllToActiveOrBackoff();
  }

  /** onNodeDelete handles a deleted node. */
  onNodeDelete(node: Readonly<Node>): void {
    this.cache.removeNode(node.metadata.name ?? '');
  }

  /** onPod handles a pod added or updated: bound pods feed the cache, pending ones the queue. */
  onPod(pod: Readonly<Pod>): void {
    const key = podKey(pod);
    if (pod.spec?.nodeName) {
      const freed = this.cache.setPod(pod);
      this.queue.delete(key);
      if (freed) this.queue.moveAllToActiveOrBackoff();
      return;
    }
    if (!isPendingForUs(pod)) {
      this.queue.delete(key);
      return;
    }
    if (this.cache.isAssumed(key)) return; // decided, its binding not yet observed
    this.queue.update(updatePodInfo(this.queue.get(key), pod));
  }

  /** onPodDelete handles a deleted pod: its resources are free and it no longer waits. */
  onPodDelete(pod: Readonly<Pod>): void {
    const key = podKey(pod);
    this.queue.delete(key);
    this.events.forget(key);
    if (this.cache.removePod(pod)) this.queue.moveAllToActiveOrBackoff();
  }

  // ---------------------------------------------------------------- the loop

  /** start runs the scheduling loop (when this instance leads). */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.flushTimer = setInterval(() => this.queue.flush(), 250);
    this.flushTimer.unref();
    this.running = this.loop();
  }

  /** pause stops taking pods from the queue (leadership lost or shutdown); binds in flight finish. */
  async pause(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.queue.interrupt();
    await this.running;
    await this.binder.idle();
  }

  private async loop(): Promise<void> {
    while (this.active) {
      const qp = await this.queue.pop();
      if (!qp) {
        if (this.queue.isClosed) break;
        continue;
      }
      if (!this.active) {
        this.queue.requeueActive(qp);
        break;
      }
      try {
        await this.scheduleOne(qp);
      } catch (err) {
        // An internal fault, not a misfit: keep the loop alive and retry the pod later.
        this.log.error(`scheduling ${qp.podInfo.key}: ${(err as Error)?.stack ?? String(err)}`);
        this.cache.forgetPod(qp.podInfo.key);
        this.queue.requeueWithBackoff(qp);
      }
    }
  }

  /** scheduleOne decides one pod and starts its bind; it returns once the bind has a slot. */
  async scheduleOne(qp: QueuedPod): Promise<void> {
    const info = qp.podInfo;
    const key = info.key;
    this.stats.attempts++;
    const result = this.framework.schedule(info, this.cache.snapshot);
    if (result.kind === 'Unschedulable') {
      this.stats.unschedulable++;
      this.queue.addUnschedulable(qp);
      this.events.failedScheduling(key, info.pod, result.message);
      this.log.info(`${key}: ${result.message}`);
      return;
    }
    const nodeName = result.nodeName;
    if (!this.cache.assumePod(info, nodeName)) {
      this.queue.done(key); // the informer already shows it bound
      return;
    }
    const ns = info.pod.metadata.namespace ?? 'default';
    await this.binder.submit(ns, info.pod.metadata.name ?? '', nodeName, (outcome, err) => this.bound(qp, nodeName, outcome, err));
  }

  private bound(qp: QueuedPod, nodeName: string, outcome: BindOutcome, err?: unknown): void {
    const key = qp.podInfo.key;
    switch (outcome) {
      case 'Bound':
        this.stats.scheduled++;
        this.queue.done(key);
        this.events.scheduled(key, qp.podInfo.pod, nodeName);
        return;
      case 'Gone':
        this.cache.forgetPod(key);
        this.queue.delete(key);
        return;
      case 'Conflict':
        this.stats.bindConflicts++;
        this.cache.forgetPod(key);
        this.queue.requeueWithBackoff(qp);
        this.log.info(`${key}: binding to ${nodeName} conflicted (already bound?); requeued`);
        return;
      default:
        this.stats.bindErrors++;
        this.cache.forgetPod(key);
        this.queue.requeueWithBackoff(qp);
        this.log.warn(`${key}: binding to ${nodeName} failed: ${(err as Error)?.message ?? String(err)}; requeued`);
    }
  }
}
