/**
 * One pod's worker: it syncs its pod serially (the latest spec wins, updates coalesce), carrying
 * out what computePodActions decides — sandbox, image, containers, kills — and then writing the
 * status computePodStatus gives, only when it changed. When the pod is being deleted (or is gone
 * from the API) it tears the pod down within its grace period and confirms the deletion.
 */
import { rm } from 'node:fs/promises';
import { isConflict, isNotFound as isApiNotFound, type ApiClient } from '../api/client.js';
import type { Pod, PodStatus } from '../api/types.js';
import type { PodSandboxConfig, RuntimeClient } from '../runtime/client.js';
import { restartTiming, type BackoffPolicy } from './container-restart/backoff.js';
import { containerConfig, podLogDirectory, sandboxConfig } from './container-config.js';
import { AgentError } from './errors.js';
import type { EventRecorder } from './events.js';
import type { ImagePuller } from './image-puller.js';
import type { InFlight } from './in-flight.js';
import type { AgentLogger } from './logger.js';
import { latestSandbox, type ObservedPod } from './observed-pod.js';
import { computePodActions, type PodActions } from './pod-actions.js';
import { computePodStatus, stableJson, type WaitingReason } from './pod-status.js';
import type { ProbeManager } from './probes/prober.js';
import { isNotFound, type ObservedPodWithPrint, type RuntimeView } from './runtime-view.js';
import type { StartLimiter } from './start-limiter.js';

/** WorkerContext is what every pod worker shares: clients, caches and node settings. */
export interface WorkerContext {
  runtime: RuntimeClient;
  view: RuntimeView;
  client: ApiClient;
  probes: ProbeManager;
  events: EventRecorder;
  images: ImagePuller;
  log: AgentLogger;
  /** Bounds how many pods create sandboxes and containers at once. */
  starts: StartLimiter;
  /** Runtime start calls and status writes under way: events wait for them (see events.ts). */
  urgentCalls: InFlight;
  rootDir: string;
  cgroupParent?: string;
  backoff: BackoffPolicy;
  hostIP(): string;
  /** Whether the runtime has a pod CIDR; no sandbox is made before. */
  podCidrReady(): boolean;
  /** Tells the runtime watcher what this worker last saw of its pod. */
  observed(uid: string, fingerprint: string): void;
  /** Called once the pod is torn down and its deletion confirmed. */
  finished(uid: string): void;
}

interface PullFailure {
  reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull';
  message: string;
  untilMs: number;
  delayMs: number;
}

/** RESYNC_MS is how often a worker looks at its pod with nothing announced. */
const RESYNC_MS = 60_000;

/** hasWork tells whether a decision asks for anything to be done in the runtime. */
function hasWork(a: PodActions): boolean {
  return !!a.createSandbox || a.stopSandboxes.length + a.killContainers.length + a.startCreated.length + a.startContainers.length + a.removeContainers.length > 0;
}

/** Executed says what one round of actions changed: a new sandbox, started containers, anything else. */
interface Executed {
  /** Kills, stops or removals happened: the view must be read again in full. */
  other: boolean;
  sandboxId?: string;
  started: { id: string; sandboxId: string }[];
}

/** changedAnything tells whether a round changed the runtime at all. */
const changedAnything = (e: Executed): boolean => e.other || e.sandboxId !== undefined || e.started.length > 0;

const isTerminalPhase = (p: PodStatus['phase']) => p === 'Succeeded' || p === 'Failed';

/** PodWorker reconciles one pod, one sync at a time. */
export class PodWorker {
  private pod: Readonly<Pod> | null;
  private lastKnown: Readonly<Pod> | null;
  private running = false;
  private dirty = false;
  private stopped = false;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private failures = 0;
  private lastWritten = '';
  /** The status being written right now (stable JSON), or ''. */
  private writing = '';
  private lastSpec = '';
  private readonly pullFailures = new Map<string, PullFailure>();
  private readonly backoffEventFor = new Set<string>();

  /** nothingYet: the runtime holds nothing of this pod (it is new since the agent listed); spares the first look. */
  private nothingYet: boolean;

  constructor(
    readonly uid: string,
    pod: Readonly<Pod> | null,
    private readonly ctx: WorkerContext,
    nothingYet = false,
  ) {
    this.pod = pod;
    this.lastKnown = pod;
    this.nothingYet = nothingYet;
  }

  /** update hands the worker the latest pod (null: gone from the API) and schedules a sync if it matters. */
  update(pod: Readonly<Pod> | null): void {
    if (pod) {
      const spec = stableJson(pod.spec) + (pod.metadata.deletionTimestamp ?? '');
      // Our own status write coming back through the watch needs no new sync.
      // It may come back before the write's own reply does, hence the status in flight too.
      const status = stableJson(pod.status ?? {});
      const echo = spec === this.lastSpec && (status === this.lastWritten || status === this.writing);
      this.pod = pod;
      this.lastKnown = pod;
      if (echo) return;
    } else {
      this.pod = null;
    }
    this.wake();
  }

  /** syncing tells whether a sync is under way (or waiting for its turn to start pods). */
  get syncing(): boolean {
    return this.running;
  }

  /** wake schedules a sync (coalesced with one already pending). */
  wake(): void {
    if (this.stopped || this.finished) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  /** stop ends the worker's timers; a sync under way finishes its current call. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private wakeAt(ms: number): void {
    if (ms >= this.timerAt && this.timer) return;
    clearTimeout(this.timer);
    this.timerAt = ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.wake();
    }, Math.max(0, ms - Date.now()));
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    do {
      this.dirty = false;
      try {
        await this.sync();
        this.failures = 0;
      } catch (e) {
        this.failures++;
        const delay = Math.min(500 * 2 ** Math.min(this.failures - 1, 6), 30_000);
        this.ctx.log.warn({ pod: this.name(), err: (e as Error).message }, `sync failed; retrying in ${delay} ms`);
        if (!this.stopped) this.wakeAt(Date.now() + delay);
      }
    } while (this.dirty && !this.stopped && !this.finished);
    this.running = false;
  }

  /** urgent runs a pod start (but its image pulls), the status read after it or a status write: events give way to these. */
  private urgent<T>(fn: () => Promise<T>): Promise<T> {
    return this.ctx.urgentCalls.track(fn);
  }

  private name(): string {
    const p = this.lastKnown;
    return p ? `${p.metadata.namespace}/${p.metadata.name}` : this.uid;
  }

  private async sync(): Promise<void> {
    const pod = this.pod;
    this.ctx.log.debug({ pod: this.name() }, 'sync');
    if (!pod || pod.metadata.deletionTimestamp) return this.teardown(pod);
    if (!this.ctx.podCidrReady()) return;
    this.lastSpec = stableJson(pod.spec) + (pod.metadata.deletionTimestamp ?? '');
    const now = Date.now();
    let observed: ObservedPodWithPrint = this.nothingYet ? { sandboxes: [], containers: [], fingerprint: '' } : await this.ctx.view.observe(this.uid);
    this.nothingYet = false;
    const probes = this.ctx.probes.results(this.uid);
    let actions: PodActions | undefined;
    if (!isTerminalPhase(pod.status?.phase) || observed.containers.some((c) => c.state === 'running')) {
      actions = computePodActions({ pod, observed, livenessFailed: probes.livenessFailed, now, backoff: this.ctx.backoff });
      const done = await this.execute(pod, observed, actions);
      if (changedAnything(done)) {
        // Look again: what was started may have exited already, and that needs its own decision.
        observed = done.other
          ? await this.ctx.view.observe(this.uid)
          : await this.urgent(() => this.ctx.view.afterStart(observed, done.sandboxId, done.started));
        actions = computePodActions({ pod, observed, livenessFailed: this.ctx.probes.results(this.uid).livenessFailed, now: Date.now(), backoff: this.ctx.backoff });
        if (hasWork(actions)) this.dirty = true;
      }
    }
    this.ctx.observed(this.uid, observed.fingerprint);
    this.syncProbes(pod, observed);
    await this.writeStatus(observed, actions);
    // A periodic look even when nothing is announced, as the kubelet's resync.
    let next = actions?.resyncAtMs ?? Date.now() + RESYNC_MS + Math.random() * 10_000;
    for (const f of this.pullFailures.values()) next = Math.min(next, f.untilMs);
    this.wakeAt(next);
  }

  /** execute carries out the actions and tells what it changed in the runtime. */
  private async execute(pod: Readonly<Pod>, observed: ObservedPod, a: PodActions): Promise<Executed> {
    const { runtime, events } = this.ctx;
    let changed = false;
    const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
    await Promise.all(a.killContainers.map(async (k) => {
      const why = k.reason === 'Unhealthy' ? `Container ${k.name} failed liveness probe, will be restarted` : `Stopping container ${k.name}`;
      events.record(pod, 'Normal', 'Killing', why, k.name);
      await runtime.stopContainer({ containerId: k.id, timeout: grace });
      changed = true;
    }));
    for (const id of a.stopSandboxes) {
      await runtime.stopPodSandbox({ podSandboxId: id });
      changed = true;
    }
    for (const id of a.removeContainers) {
      await runtime.removeContainer({ containerId: id }).catch((e) => { if (!isNotFound(e)) throw e; });
      this.ctx.view.forget([id]);
      changed = true;
    }
    for (const [name, loop] of Object.entries(a.crashLoop)) {
      const key = `${name}@${loop.untilMs}`;
      if (!this.backoffEventFor.has(key)) {
        this.backoffEventFor.clear();
        this.backoffEventFor.add(key);
        events.record(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${pod.metadata.name}`, name);
      }
    }
    if (!a.createSandbox && a.startContainers.length === 0 && a.startCreated.length === 0) return { other: changed, started: [] };
    const started = await this.ctx.starts.run(() => this.urgent(() => this.start(pod, observed, a)));
    return { ...started, other: changed };
  }

  /** start makes the sandbox (when asked) and starts the containers the actions name. */
  private async start(pod: Readonly<Pod>, observed: ObservedPod, a: PodActions): Promise<Executed> {
    const { runtime, events } = this.ctx;
    const out: Executed = { other: false, started: [] };
    // The pod may have been deleted while this start waited for its turn.
    if (!this.pod || this.pod.metadata.deletionTimestamp || this.stopped) {
      this.dirty = true;
      return out;
    }

    let sandboxId: string;
    let sbConfig: PodSandboxConfig;
    const t0 = Date.now();
    if (a.createSandbox) {
      sbConfig = sandboxConfig(pod, a.createSandbox.attempt, { rootDir: this.ctx.rootDir, cgroupParent: this.ctx.cgroupParent });
      // The runtime makes the log directories: the pod's in RunPodSandbox, each container's in CreateContainer.
      sandboxId = (await runtime.runPodSandbox({ config: sbConfig })).podSandboxId;
      this.ctx.log.debug({ pod: this.name(), ms: Date.now() - t0 }, 'RunPodSandbox');
      out.sandboxId = sandboxId;
    } else {
      const sb = latestSandbox(observed)!;
      sandboxId = sb.id;
      sbConfig = sandboxConfig(pod, sb.attempt, { rootDir: this.ctx.rootDir, cgroupParent: this.ctx.cgroupParent });
    }
    for (const id of a.startCreated) {
      await runtime.startContainer({ containerId: id });
      out.started.push({ id, sandboxId });
    }
    for (const start of a.startContainers) {
      const spec = pod.spec.containers.find((c) => c.name === start.name)!;
      const failure = this.pullFailures.get(spec.name);
      if (failure && failure.untilMs > Date.now()) continue;
      try {
        // A pull may take minutes: events need not wait for it.
        const img = await this.ctx.urgentCalls.aside(() => this.ctx.images.ensure(spec, () => events.record(pod, 'Normal', 'Pulling', `Pulling image "${spec.image}"`, spec.name)));
        if (img.warning) events.record(pod, 'Warning', 'Failed', img.warning, spec.name);
        if (img.pulled) events.record(pod, 'Normal', 'Pulled', `Successfully pulled image "${spec.image}"`, spec.name);
        this.pullFailures.delete(spec.name);
        this.ctx.log.debug({ pod: this.name(), container: spec.name, ms: Date.now() - t0 }, 'image ready');
      } catch (e) {
        if (!(e instanceof AgentError)) throw e;
        this.recordPullFailure(pod, spec.name, e);
        continue;
      }
      const cfg = containerConfig(pod, spec, start.attempt, start.restartDelayMs);
      const t1 = Date.now();
      const { containerId } = await runtime.createContainer({ podSandboxId: sandboxId, config: cfg, sandboxConfig: sbConfig });
      events.record(pod, 'Normal', 'Created', `Created container ${spec.name}`, spec.name);
      const t2 = Date.now();
      await runtime.startContainer({ containerId });
      events.record(pod, 'Normal', 'Started', `Started container ${spec.name}`, spec.name);
      this.ctx.log.debug({ pod: this.name(), container: spec.name, createMs: t2 - t1, startMs: Date.now() - t2 }, 'container started');
      out.started.push({ id: containerId, sandboxId });
    }
    return out;
  }

  private recordPullFailure(pod: Readonly<Pod>, name: string, e: AgentError): void {
    const prev = this.pullFailures.get(name);
    const never = e.code === 'FLT_ERR_AGENT_IMAGE_NEVER_PULL';
    const timing = restartTiming(prev?.delayMs ?? 0, 0, this.ctx.backoff);
    const delayMs = Math.max(timing.nextDelayMs, this.ctx.backoff.baseMs);
    this.pullFailures.set(name, {
      reason: never ? 'ErrImageNeverPull' : prev ? 'ImagePullBackOff' : 'ErrImagePull',
      message: e.message,
      delayMs,
      untilMs: Date.now() + (prev?.delayMs ?? this.ctx.backoff.baseMs),
    });
    this.ctx.events.record(pod, 'Warning', never ? 'ErrImageNeverPull' : 'Failed', e.message, name);
    if (prev) this.ctx.events.record(pod, 'Normal', 'BackOff', `Back-off pulling image "${pod.spec.containers.find((c) => c.name === name)?.image}"`, name);
  }

  private syncProbes(pod: Readonly<Pod>, observed: ObservedPod): void {
    const ip = latestSandbox(observed)?.ip ?? '';
    const targets = [];
    for (const c of observed.containers) {
      if (c.state !== 'running') continue;
      const spec = pod.spec.containers.find((s) => s.name === c.name);
      if (!spec) continue;
      const known = pod.status?.containerStatuses?.find((s) => s.containerID === `flotilla://${c.id}`);
      targets.push({ containerId: c.id, container: spec, podIP: ip, knownReady: known?.ready, knownStarted: known?.started });
    }
    this.ctx.probes.sync(this.uid, targets);
  }

  private waitingReasons(actions: PodActions | undefined): Record<string, WaitingReason> {
    const out: Record<string, WaitingReason> = {};
    for (const [name, f] of this.pullFailures) out[name] = { reason: f.reason, message: f.message };
    for (const [name, loop] of Object.entries(actions?.crashLoop ?? {})) {
      out[name] = { reason: 'CrashLoopBackOff', message: loop.message };
    }
    return out;
  }

  private async writeStatus(observed: ObservedPodWithPrint, actions: PodActions | undefined): Promise<void> {
    const probes = this.ctx.probes.results(this.uid);
    const input = {
      observed,
      waiting: this.waitingReasons(actions),
      readiness: probes.readiness,
      startup: probes.startup,
      hostIP: this.ctx.hostIP(),
    };
    let pod = this.pod;
    for (let attempt = 0; pod && !pod.metadata.deletionTimestamp; attempt++) {
      const status = computePodStatus({ ...input, pod, now: Date.now() });
      const current = stableJson(pod.status ?? {});
      const next = stableJson(status);
      if (current === next) {
        this.lastWritten = current;
        return;
      }
      try {
        const t0 = Date.now();
        this.writing = next;
        const update = { ...pod, status } as Pod;
        const written = await this.urgent(() => this.ctx.client.updateStatus<Pod>('pods', update)).finally(() => (this.writing = ''));
        this.ctx.log.debug({ pod: this.name(), phase: status.phase, ms: Date.now() - t0 }, 'status written');
        this.lastWritten = stableJson(written.status ?? {});
        if (this.pod && (Number(this.pod.metadata.resourceVersion) || 0) < (Number(written.metadata.resourceVersion) || 0)) {
          this.pod = written;
          this.lastKnown = written;
        }
        return;
      } catch (e) {
        if (isApiNotFound(e)) return;
        if (!isConflict(e) || attempt >= 5) throw e;
        pod = await this.ctx.client.get<Pod>('pods', pod.metadata.name!, pod.metadata.namespace);
        if (pod.metadata.uid !== this.uid) return;
      }
    }
  }

  /** teardown stops and removes everything of the pod, then confirms its deletion to the API. */
  private async teardown(pod: Readonly<Pod> | null): Promise<void> {
    const { runtime, events, view } = this.ctx;
    const t0 = Date.now();
    this.ctx.probes.removePod(this.uid);
    const observed = await view.observe(this.uid);
    const grace = pod
      ? pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30
      : this.lastKnown?.metadata.deletionGracePeriodSeconds ?? 0;
    await Promise.all(observed.containers.filter((c) => c.state === 'running' || c.state === 'created').map(async (c) => {
      if (pod && c.state === 'running') events.record(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, c.name);
      await runtime.stopContainer({ containerId: c.id, timeout: Math.max(0, grace) });
    }));
    const stoppedMs = Date.now() - t0;
    for (const s of observed.sandboxes) {
      await runtime.stopPodSandbox({ podSandboxId: s.id });
      await runtime.removePodSandbox({ podSandboxId: s.id });
    }
    view.forget([...observed.sandboxes.map((s) => s.id), ...observed.containers.map((c) => c.id)]);
    const known = pod ?? this.lastKnown;
    if (known) await rm(podLogDirectory(this.ctx.rootDir, known), { recursive: true, force: true });
    if (pod) {
      try {
        await this.ctx.client.delete('pods', pod.metadata.name!, {
          namespace: pod.metadata.namespace, gracePeriodSeconds: 0, preconditions: { uid: this.uid },
        });
      } catch (e) {
        if (!isApiNotFound(e) && !isConflict(e)) throw e;
      }
    }
    this.ctx.log.info({ pod: this.name(), grace, stoppedMs, totalMs: Date.now() - t0 }, 'pod torn down');
    this.finished = true;
    clearTimeout(this.timer);
    this.ctx.finished(this.uid);
  }
}

