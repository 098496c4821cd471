/**
 * The agent's decision for one pod, as a pure function of its spec and of what the runtime holds:
 * which sandbox to create or stop, which containers to start, kill or remove, and which are waiting
 * out a crash-loop backoff. The pod worker only carries these actions out, so every rule here
 * (restartPolicy, backoff, liveness restarts, sandbox replacement) is tested with tables of cases.
 */
import type { Pod } from '../api/types.js';
import { restartTiming, DEFAULT_BACKOFF, type BackoffPolicy } from './container-restart/backoff.js';
import { containerInstances, latestSandbox, type ObservedContainer, type ObservedPod } from './observed-pod.js';

/** PodActionsInput is everything the decision needs. */
export interface PodActionsInput {
  pod: Readonly<Pod>;
  observed: ObservedPod;
  /** Ids of running containers whose liveness probe has failed past its threshold. */
  livenessFailed?: ReadonlySet<string>;
  now: number;
  backoff?: BackoffPolicy;
}

/** ContainerStart asks for a new container instance. */
export interface ContainerStart {
  name: string;
  attempt: number;
  /** Crash-loop delay to record on the new instance. */
  restartDelayMs: number;
}

/** ContainerKill asks to stop a running container, and says why (for events and logs). */
export interface ContainerKill {
  id: string;
  name: string;
  reason: 'Unhealthy' | 'NotInSpec' | 'SandboxChanged';
}

/** CrashLoop says a container waits out its backoff until `untilMs`. */
export interface CrashLoop {
  untilMs: number;
  message: string;
}

/** PodActions is the plan for one sync of one pod. */
export interface PodActions {
  /** Create a new sandbox with this attempt number (before starting any container). */
  createSandbox: { attempt: number } | null;
  /** Sandboxes to stop: superseded ones, or the pod's own once it has finished. */
  stopSandboxes: string[];
  killContainers: ContainerKill[];
  /** Containers the runtime created but never started (the agent died in between). */
  startCreated: string[];
  startContainers: ContainerStart[];
  /** Dead instances past the two newest of each name (the newest two serve status and --previous logs). */
  removeContainers: string[];
  crashLoop: Record<string, CrashLoop>;
  /** Every container has finished and none will restart: the pod is done. */
  terminal: boolean;
  /** When the pod must be looked at again even if nothing changes (a backoff ends), ms epoch. */
  resyncAtMs?: number;
}

/** shouldRestart applies restartPolicy to an exited container. */
export function shouldRestart(policy: Pod['spec']['restartPolicy'], exitCode: number): boolean {
  const p = policy ?? 'Always';
  return p === 'Always' || (p === 'OnFailure' && exitCode !== 0);
}

/** needsRun tells whether a container (by its newest instance) still has to run under the pod's policy. */
function needsRun(pod: Readonly<Pod>, latest: ObservedContainer | undefined): boolean {
  if (!latest) return true;
  if (latest.state === 'exited') return shouldRestart(pod.spec.restartPolicy, latest.exitCode);
  return true;
}

/** computePodActions decides what one sync of a pod must do. */
export function computePodActions(input: PodActionsInput): PodActions {
  const { pod, observed, now } = input;
  const policy = input.backoff ?? DEFAULT_BACKOFF;
  const liveness = input.livenessFailed ?? new Set<string>();
  const actions: PodActions = {
    createSandbox: null,
    stopSandboxes: [],
    killContainers: [],
    startCreated: [],
    startContainers: [],
    removeContainers: [],
    crashLoop: {},
    terminal: false,
  };
  const specNames = new Set(pod.spec.containers.map((c) => c.name));
  const sandbox = latestSandbox(observed);

  // Garbage: containers no longer in the spec, and instances past the newest two of each name.
  for (const c of observed.containers) {
    if (!specNames.has(c.name)) {
      if (c.state === 'running') actions.killContainers.push({ id: c.id, name: c.name, reason: 'NotInSpec' });
      actions.removeContainers.push(c.id);
    }
  }
  for (const name of specNames) {
    for (const old of containerInstances(observed, name).slice(2)) {
      if (old.state !== 'running') actions.removeContainers.push(old.id);
    }
  }
  // Superseded sandboxes are stopped, with whatever still runs in them.
  for (const s of observed.sandboxes) {
    if (sandbox && s.id !== sandbox.id && s.ready) actions.stopSandboxes.push(s.id);
  }

  const latestOf = new Map(pod.spec.containers.map((c) => [c.name, containerInstances(observed, c.name)[0]] as const));
  const pending = pod.spec.containers.filter((c) => needsRun(pod, latestOf.get(c.name)));

  if (!sandbox || !sandbox.ready) {
    if (pending.length === 0 && observed.containers.length > 0) {
      actions.terminal = true;
      return actions;
    }
    actions.createSandbox = { attempt: sandbox ? sandbox.attempt + 1 : 0 };
    for (const c of observed.containers) {
      if (c.state === 'running') actions.killContainers.push({ id: c.id, name: c.name, reason: 'SandboxChanged' });
    }
    for (const c of pending) {
      const latest = latestOf.get(c.name);
      actions.startContainers.push({ name: c.name, attempt: latest ? latest.attempt + 1 : 0, restartDelayMs: 0 });
    }
    return actions;
  }

  let running = 0;
  for (const spec of pod.spec.containers) {
    const latest = latestOf.get(spec.name);
    if (!latest) {
      actions.startContainers.push({ name: spec.name, attempt: 0, restartDelayMs: 0 });
      running++;
      continue;
    }
    if (latest.sandboxId !== sandbox.id && latest.state === 'running') {
      actions.killContainers.push({ id: latest.id, name: latest.name, reason: 'SandboxChanged' });
    }
    switch (latest.state) {
      case 'created':
        if (latest.sandboxId === sandbox.id) actions.startCreated.push(latest.id);
        else actions.startContainers.push({ name: spec.name, attempt: latest.attempt + 1, restartDelayMs: latest.restartDelayMs });
        running++;
        break;
      case 'running':
        if (liveness.has(latest.id)) {
          actions.killContainers.push({ id: latest.id, name: latest.name, reason: 'Unhealthy' });
        }
        running++;
        break;
      case 'exited': {
        if (!shouldRestart(pod.spec.restartPolicy, latest.exitCode)) break;
        running++;
        const ranFor = latest.startedAt && latest.finishedAt ? latest.finishedAt - latest.startedAt : 0;
        const timing = restartTiming(latest.restartDelayMs, ranFor, policy);
        const untilMs = (latest.finishedAt || now) + timing.waitMs;
        if (untilMs > now) {
          actions.crashLoop[spec.name] = {
            untilMs,
            message: `back-off ${formatDelay(timing.waitMs)} restarting failed container=${spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          };
          actions.resyncAtMs = Math.min(actions.resyncAtMs ?? Infinity, untilMs);
        } else {
          actions.startContainers.push({ name: spec.name, attempt: latest.attempt + 1, restartDelayMs: timing.nextDelayMs });
        }
        break;
      }
      case 'unknown':
        running++;
        break;
    }
  }
  if (running === 0) {
    actions.terminal = true;
    actions.stopSandboxes.push(sandbox.id);
  }
  return actions;
}

/** formatDelay prints a delay the way Go prints durations in the kubelet's message ("10s", "2m40s"). */
export function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 1000 && ms > 0 ? `${ms}ms` : `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m${s % 60}s` : `${m}m0s`;
}
