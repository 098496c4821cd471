/** Small builders of pods and runtime views for the agent's table tests. */
import type { Container, Pod } from '../../api/types.js';
import type { ObservedContainer, ObservedPod, ObservedSandbox } from '../../agent/observed-pod.js';

/** pod builds a pod with the given containers (names or specs) and restart policy. */
export function pod(containers: (string | Container)[], restartPolicy?: Pod['spec']['restartPolicy']): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
    spec: { containers: containers.map((c) => (typeof c === 'string' ? { name: c, image: 'busybox:latest' } : c)), ...(restartPolicy ? { restartPolicy } : {}) },
  };
}

/** sandbox builds an observed sandbox. */
export function sandbox(id: string, over: Partial<ObservedSandbox> = {}): ObservedSandbox {
  return { id, attempt: 0, ready: true, ip: '10.244.0.5', createdAt: 1000, ...over };
}

/** ctr builds an observed container instance. */
export function ctr(id: string, name: string, over: Partial<ObservedContainer> = {}): ObservedContainer {
  return {
    id, sandboxId: 's1', name, attempt: 0, state: 'running', createdAt: 2000, startedAt: 2000, finishedAt: 0,
    exitCode: 0, reason: '', message: '', image: 'busybox:latest', imageRef: 'sha256:abc', restartDelayMs: 0, ...over,
  };
}

/** observed groups sandboxes and containers. */
export function observed(sandboxes: ObservedSandbox[], containers: ObservedContainer[] = []): ObservedPod {
  return { sandboxes, containers };
}
