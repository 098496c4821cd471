/**
 * What the runtime holds of one pod, in the agent's own plain terms: its sandboxes and containers
 * with times in milliseconds. Built from CRI listings by pure mapping; the labels and annotations
 * the agent puts on every sandbox and container are what let it rebuild this view after a restart,
 * so the agent keeps no state of its own.
 */

/** LABEL_POD_UID and friends are the keys (the kubelet's own) that tie runtime objects to pods. */
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
/** LABEL_POD_NAME is the pod name label on sandboxes and containers. */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
/** LABEL_POD_NAMESPACE is the pod namespace label on sandboxes and containers. */
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
/** LABEL_CONTAINER_NAME is the spec container name label on containers. */
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** LABEL_MANAGED marks sandboxes made by a Flotilla agent (others on the runtime are left alone). */
export const LABEL_MANAGED = 'flotilla.io/managed-by';
/** ANNOTATION_RESTART_COUNT carries the container's restart count (its attempt number). */
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
/** ANNOTATION_RESTART_DELAY carries the crash-loop delay that applies after this container exits. */
export const ANNOTATION_RESTART_DELAY = 'flotilla.io/restart-delay-ms';
/** ANNOTATION_TERMINATION_GRACE carries the pod's grace period, for teardown without the pod object. */
export const ANNOTATION_TERMINATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';

/** ObservedContainerState is the runtime's view of a container's life. */
export type ObservedContainerState = 'created' | 'running' | 'exited' | 'unknown';

/** ObservedContainer is one container instance (one attempt) of a pod. */
export interface ObservedContainer {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ObservedContainerState;
  /** Milliseconds since the epoch; 0 when not reached. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** Completed, Error or OOMKilled once exited. */
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  /** Crash-loop delay carried by this attempt (see container-restart/backoff.ts). */
  restartDelayMs: number;
}

/** ObservedSandbox is one sandbox (one attempt) of a pod. */
export interface ObservedSandbox {
  id: string;
  attempt: number;
  ready: boolean;
  ip: string;
  createdAt: number;
}

/** ObservedPod is everything the runtime has of one pod. */
export interface ObservedPod {
  sandboxes: ObservedSandbox[];
  containers: ObservedContainer[];
}

/** CriLabelled is the shape shared by CRI sandboxes and containers that carry labels. */
export interface CriLabelled {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** CriSandboxLike is the subset of a CRI PodSandbox / PodSandboxStatus the agent reads. */
export interface CriSandboxLike extends CriLabelled {
  id: string;
  metadata?: { name?: string; uid?: string; namespace?: string; attempt?: number } | null;
  state: string;
  createdAt?: number;
  network?: { ip?: string } | null;
}

/** CriContainerStatusLike is the subset of a CRI ContainerStatus the agent reads. */
export interface CriContainerStatusLike extends CriLabelled {
  id: string;
  metadata?: { name?: string; attempt?: number } | null;
  state: string;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  image?: { image?: string } | null;
  imageRef?: string;
  imageId?: string;
}

/** nsToMs turns CRI nanoseconds since the epoch into milliseconds (0 stays 0). */
export function nsToMs(ns: number | undefined): number {
  return ns ? Math.floor(ns / 1e6) : 0;
}

const STATE: Record<string, ObservedContainerState> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

/** observedSandbox maps a CRI sandbox (list item or status) to the agent's view. */
export function observedSandbox(s: CriSandboxLike): ObservedSandbox {
  return {
    id: s.id,
    attempt: s.metadata?.attempt ?? 0,
    ready: s.state === 'SANDBOX_READY',
    ip: s.network?.ip ?? '',
    createdAt: nsToMs(s.createdAt),
  };
}

/** observedContainer maps a CRI ContainerStatus to the agent's view; sandboxId comes from the listing. */
export function observedContainer(c: CriContainerStatusLike, sandboxId: string): ObservedContainer {
  const ann = c.annotations ?? {};
  const attempt = c.metadata?.attempt ?? Number(ann[ANNOTATION_RESTART_COUNT] ?? 0);
  return {
    id: c.id,
    sandboxId,
    name: c.labels?.[LABEL_CONTAINER_NAME] ?? c.metadata?.name ?? '',
    attempt: Number.isFinite(attempt) ? attempt : 0,
    state: STATE[c.state] ?? 'unknown',
    createdAt: nsToMs(c.createdAt),
    startedAt: nsToMs(c.startedAt),
    finishedAt: nsToMs(c.finishedAt),
    exitCode: c.exitCode ?? 0,
    reason: c.reason ?? '',
    message: c.message ?? '',
    image: c.image?.image ?? '',
    imageRef: c.imageRef || c.imageId || '',
    restartDelayMs: Number(ann[ANNOTATION_RESTART_DELAY] ?? 0) || 0,
  };
}

/** latestSandbox is the newest sandbox of a pod (highest attempt, then newest), or undefined. */
export function latestSandbox(o: ObservedPod): ObservedSandbox | undefined {
  let best: ObservedSandbox | undefined;
  for (const s of o.sandboxes) {
    if (!best || s.attempt > best.attempt || (s.attempt === best.attempt && s.createdAt > best.createdAt)) best = s;
  }
  return best;
}

/** containerInstances lists a named container's instances, newest attempt first. */
export function containerInstances(o: ObservedPod, name: string): ObservedContainer[] {
  return o.containers
    .filter((c) => c.name === name)
    .sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
}
