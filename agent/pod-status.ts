/**
 * The pod status the agent reports, as a pure function of the spec, the runtime's view, probe
 * results and transient waiting reasons (image pulls, crash loops). Timestamps come from the runtime
 * and transition times are carried over from the previous status, so computing twice from the same
 * facts gives the same object and the worker writes only when something really changed.
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../api/types.js';
import { containerInstances, latestSandbox, type ObservedContainer, type ObservedPod } from './observed-pod.js';

/** WaitingReason is a reason the worker knows and the runtime does not (ErrImagePull, CrashLoopBackOff). */
export interface WaitingReason {
  reason: string;
  message?: string;
}

/** PodStatusInput is everything the status is computed from. */
export interface PodStatusInput {
  pod: Readonly<Pod>;
  observed: ObservedPod;
  /** Waiting reasons by container name, for containers that are not running. */
  waiting?: Readonly<Record<string, WaitingReason>>;
  /** Readiness probe results by container id (containers with a readiness probe only). */
  readiness?: ReadonlyMap<string, boolean>;
  /** Startup probe results by container id (containers with a startup probe only). */
  startup?: ReadonlyMap<string, boolean>;
  hostIP: string;
  now: number;
}

/** rfc3339 prints a time as Kubernetes does: UTC, whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** terminatedState turns an exited instance into a terminated ContainerState. */
function terminatedState(c: ObservedContainer): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: rfc3339(c.startedAt || c.createdAt),
      finishedAt: rfc3339(c.finishedAt),
      containerID: `flotilla://${c.id}`,
    },
  };
}

/** containerStatus computes one container's status from its newest two instances. */
export function containerStatus(spec: Container, input: PodStatusInput): ContainerStatus {
  const [latest, previous] = containerInstances(input.observed, spec.name);
  const waiting = input.waiting?.[spec.name];
  const base = { name: spec.name, image: spec.image, imageID: latest?.imageRef ?? '' };
  if (!latest) {
    return { ...base, state: { waiting: waitingOf(waiting ?? { reason: 'ContainerCreating' }) }, lastState: {}, ready: false, started: false, restartCount: 0 };
  }
  const prevState = previous && previous.state === 'exited' ? terminatedState(previous) : {};
  let state: ContainerState;
  let lastState: ContainerState = prevState;
  switch (latest.state) {
    case 'running':
      state = { running: { startedAt: rfc3339(latest.startedAt || latest.createdAt) } };
      break;
    case 'exited':
      if (waiting) {
        state = { waiting: waitingOf(waiting) };
        lastState = terminatedState(latest);
      } else {
        state = terminatedState(latest);
      }
      break;
    case 'created':
      state = { waiting: waitingOf(waiting ?? { reason: 'ContainerCreating' }) };
      break;
    default:
      state = { waiting: { reason: 'ContainerStatusUnknown', message: 'the runtime does not know the state of this container' } };
  }
  const running = latest.state === 'running';
  const started = running && (spec.startupProbe ? input.startup?.get(latest.id) === true : true);
  const ready = started && (spec.readinessProbe ? input.readiness?.get(latest.id) === true : true);
  return { ...base, state, lastState, ready, started, restartCount: latest.attempt, containerID: `flotilla://${latest.id}` };
}

function waitingOf(w: WaitingReason): { reason: string; message?: string } {
  return w.message ? { reason: w.reason, message: w.message } : { reason: w.reason };
}

/** podPhase is the kubelet's phase rule over container statuses and the restart policy. */
export function podPhase(spec: Readonly<Pod['spec']>, statuses: readonly ContainerStatus[]): PodPhase {
  let waiting = 0, running = 0, stopped = 0, succeeded = 0, unknown = 0;
  for (const c of spec.containers) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknown++;
    else if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    const policy = spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(prev: readonly PodCondition[] | undefined, type: PodCondition['type'], status: PodCondition['status'], now: number, reason?: string, message?: string): PodCondition {
  const old = prev?.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now);
  return { type, status, lastProbeTime: null, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** computePodStatus computes the whole pod status the agent reports. */
export function computePodStatus(input: PodStatusInput): PodStatus {
  const { pod, now } = input;
  const prev = pod.status ?? {};
  const statuses = pod.spec.containers.map((c) => containerStatus(c, input));
  let phase = podPhase(pod.spec, statuses);
  if (prev.phase === 'Succeeded' || prev.phase === 'Failed') phase = prev.phase;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const allReady = unready.length === 0 && !terminal;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const conds = prev.conditions;
  const conditions: PodCondition[] = [
    condition(conds, 'Initialized', 'True', now),
    allReady ? condition(conds, 'Ready', 'True', now) : condition(conds, 'Ready', 'False', now, notReadyReason, notReadyMessage),
    allReady ? condition(conds, 'ContainersReady', 'True', now) : condition(conds, 'ContainersReady', 'False', now, notReadyReason, notReadyMessage),
    condition(conds, 'PodScheduled', 'True', now),
  ];
  const ours = new Set(conditions.map((c) => c.type));
  for (const c of conds ?? []) if (!ours.has(c.type)) conditions.push(c);
  const sandbox = latestSandbox(input.observed);
  const podIP = sandbox?.ip || prev.podIP || '';
  const status: PodStatus = {
    ...prev,
    phase,
    conditions,
    hostIP: input.hostIP,
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: prev.startTime ?? rfc3339(now),
    containerStatuses: statuses,
  };
  return status;
}

/**
 * stableJson serialises with sorted keys, so two equal statuses give equal text. Written as plain
 * loops: the agent calls it a few times per pod event, mostly before V8 has optimised anything.
 */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + (stableJson(v[i]) ?? '');
    return out + ']';
  }
  const obj = v as Record<string, unknown>;
  let out = '{';
  for (const k of Object.keys(obj).sort()) {
    const x = obj[k];
    if (x === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + stableJson(x);
  }
  return out + '}';
}

/** statusChanged tells whether a newly computed status differs from the one the API holds. */
export function statusChanged(current: PodStatus | undefined, next: PodStatus): boolean {
  return stableJson(current ?? {}) !== stableJson(next);
}
