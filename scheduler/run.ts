/**
 * runScheduler starts a scheduler against an API server: informers on nodes and pods (kept warm
 * even on a standby), and — when it holds the `kube-system/flotilla-scheduler` Lease, or at once
 * without leader election — the scheduling loop. `flotilla server` embeds it; `flotilla scheduler`
 * runs it alone.
 */
import { hostname } from 'node:os';
import type { ApiClient } from '../api/client.js';
import { Informer } from '../api/informer.js';
import type { Node, Pod } from '../api/types.js';
import { loadSchedulerConfig } from './config.js';
import { SchedulerError } from './errors.js';
import { LeaderElector } from './leader-election.js';
import { SILENT, Scheduler, type SchedulerLog, type SchedulerStats } from './scheduler.js';

/** RunSchedulerOptions configure one scheduler process. */
export interface RunSchedulerOptions {
  client: ApiClient;
  /** identity in the lease (default hostname_pid_random). */
  identity?: string;
  /** configFile is the `--config FILE` (weights, percentageOfNodesToScore, bindConcurrency). */
  configFile?: string;
  /** leaderElect: campaign for the lease before scheduling (default true). */
  leaderElect?: boolean;
  /** leaseDurationSeconds of the lease (default 15; tests shorten it). */
  leaseDurationSeconds?: number;
  log?: SchedulerLog;
}

/** RunningScheduler is the handle runScheduler returns. */
export interface RunningScheduler {
  /** stop ends scheduling, releases the lease (so a standby takes over at once) and stops the informers. */
  stop(): Promise<void>;
  /** isLeader tells whether this instance is the active scheduler. */
  isLeader(): boolean;
  /** stats count attempts, placements, conflicts. */
  stats(): Readonly<SchedulerStats>;
  identity: string;
  scheduler: Scheduler;
}

/**
 * startInformers feeds a Scheduler from node and pod informers and resolves once both are synced;
 * runScheduler uses it, and tests that build a Scheduler with their own binder.
 */
export async function startInformers(client: ApiClient, scheduler: Scheduler, log: SchedulerLog = SILENT): Promise<{ stop(): void; podRevision(): string }> {
  const onError = (what: string) => (err: unknown) => log.warn(`${what} informer: ${(err as Error)?.message ?? String(err)}`);
  const nodes = new Informer<Node>(client, 'nodes', { onError: onError('node') });
  const pods = new Informer<Pod>(client, 'pods', { onError: onError('pod') });
  nodes.on('add', (n) => scheduler.onNode(n)).on('update', (_o, n) => scheduler.onNode(n)).on('delete', (n) => scheduler.onNodeDelete(n));
  pods.on('add', (p) => scheduler.onPod(p)).on('update', (_o, p) => scheduler.onPod(p)).on('delete', (p) => scheduler.onPodDelete(p));
  const stop = () => {
    nodes.stop();
    pods.stop();
  };
  try {
    await nodes.start();
    await pods.start();
  } catch (err) {
    stop();
    throw err;
  }
  return { stop, podRevision: () => pods.lastResourceVersion() };
}

/**
 * caughtUp resolves once the pod informer has seen revision `rev` (so the previous leader's last
 * binds are in the cache before this one decides), or after `capMs` in a quiet cluster.
 */
async function caughtUp(podRevision: () => string, rev: string, capMs: number): Promise<void> {
  const want = Number(rev);
  const deadline = Date.now() + capMs;
  while (Number.isFinite(want) && Number(podRevision() || 0) < want && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** runScheduler starts the informers, waits until they are synced, then campaigns (or leads at once). */
export async function runScheduler(opts: RunSchedulerOptions): Promise<RunningScheduler> {
  const log = opts.log ?? SILENT;
  const config = loadSchedulerConfig(opts.configFile);
  const identity = opts.identity ?? `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  if (opts.leaseDurationSeconds !== undefined && !(opts.leaseDurationSeconds >= 1)) {
    throw new SchedulerError('FLT_ERR_SCHED_OPTION', `leaseDurationSeconds must be at least 1, got ${opts.leaseDurationSeconds}`);
  }
  const client = opts.client;
  const scheduler = new Scheduler({ binder: client, events: client, config, log });

  const informers = await startInformers(client, scheduler, log);
  log.info(`scheduler ${identity}: caches synced (${scheduler.cache.counts().nodes} nodes, ${scheduler.queue.lengths().active} pods pending)`);

  let elector: LeaderElector | undefined;
  if (opts.leaderElect === false) {
    scheduler.start();
  } else {
    elector = new LeaderElector({
      client,
      identity,
      leaseDurationSeconds: opts.leaseDurationSeconds,
      onStartedLeading: () => {
        log.info(`scheduler ${identity}: leading (lease kube-system/flotilla-scheduler)`);
        const rev = elector!.leaseRevision;
        void (elector!.tookOver ? caughtUp(informers.podRevision, rev, 2000) : Promise.resolve()).then(() => {
          if (elector!.isLeader()) scheduler.start();
        });
      },
      onStoppedLeading: () => {
        log.warn(`scheduler ${identity}: no longer leading; standing by`);
        void scheduler.pause();
      },
      onError: (err) => log.warn(`leader election: ${(err as Error)?.message ?? String(err)}`),
    });
    elector.start();
  }

  let stopping: Promise<void> | undefined;
  return {
    identity,
    scheduler,
    isLeader: () => (elector ? elector.isLeader() : true),
    stats: () => scheduler.stats,
    stop() {
      stopping ??= (async () => {
        await scheduler.pause();
        await elector?.stop(true);
        informers.stop();
        scheduler.queue.close();
        // Queued events get a few seconds to be written; a dead API server must not hang shutdown,
        // and nothing may keep writing after stop() returns.
        await Promise.race([scheduler.events.idle(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        scheduler.events.close();
        await scheduler.events.idle();
      })();
      return stopping;
    },
  };
}
