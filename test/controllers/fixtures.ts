import type { Deployment, Pod, ReplicaSet } from '../../api/types.js';

/** pod makes a pod fixture owned by nothing, with the given phase, readiness and node. */
export function pod(name: string, o: { phase?: Pod['status'] extends infer S ? S extends { phase?: infer P } ? P : never : never; ready?: boolean; node?: string; created?: string; restarts?: number; deleting?: boolean; readySince?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
      deletionTimestamp: o.deleting ? '2026-01-01T00:10:00Z' : undefined,
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: o.node },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readySince ?? '2026-01-01T00:00:00Z' }],
      containerStatuses: [{ name: 'c', image: 'busybox', ready: o.ready !== false, restartCount: o.restarts ?? 0, state: { running: {} } }],
    },
  };
}

/** rs makes a ReplicaSet fixture with spec.replicas and status counts. */
export function rs(name: string, replicas: number, o: { available?: number; current?: number; revision?: number; created?: string } = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
      annotations: o.revision ? { 'deployment.kubernetes.io/revision': String(o.revision) } : undefined },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    status: { replicas: o.current ?? replicas, availableReplicas: o.available ?? replicas, readyReplicas: o.available ?? replicas },
  };
}

/** deployment makes a Deployment fixture. */
export function deployment(replicas: number, strategy: Deployment['spec']['strategy'] = {}, image = 'busybox:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 2 },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, strategy,
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } },
  };
}
