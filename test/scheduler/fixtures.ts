/**
 * Builders of pods and nodes for the scheduler's unit tests: plain objects, as the API returns them.
 */
import type { Container, NodeAffinity, Pod, PodPhase, Taint, Toleration } from '../../api/types.js';
import { NodeInfo, readyNode } from '../../scheduler/node-info.js';
import { newPodInfo, type PodInfo } from '../../scheduler/pod-info.js';

/** PodSpecLite is the handful of fields tests set on a pod. */
export interface PodSpecLite {
  name?: string;
  namespace?: string;
  cpu?: string;
  memory?: string;
  limitsOnly?: boolean;
  containers?: Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  nodeAffinity?: NodeAffinity;
  tolerations?: Toleration[];
  hostPorts?: number[];
  owner?: string;
  priority?: number;
  phase?: PodPhase;
  created?: string;
}

let counter = 0;

/** pod builds a Pod object. */
export function pod(o: PodSpecLite = {}): Pod {
  const resources: Record<string, string> = {};
  if (o.cpu) resources.cpu = o.cpu;
  if (o.memory) resources.memory = o.memory;
  const container: Container = {
    name: 'c',
    image: 'busybox',
    ...(Object.keys(resources).length ? { resources: o.limitsOnly ? { limits: resources } : { requests: resources } } : {}),
    ...(o.hostPorts ? { ports: o.hostPorts.map((p) => ({ containerPort: p, hostPort: p })) } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name ?? `p${++counter}`,
      namespace: o.namespace ?? 'default',
      uid: `uid-${o.name ?? counter}`,
      creationTimestamp: o.created ?? new Date(0).toISOString(),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `rs-${o.owner}`, controller: true }] } : {}),
    },
    spec: {
      containers: o.containers ?? [container],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.nodeAffinity ? { affinity: { nodeAffinity: o.nodeAffinity } } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
    },
    status: { phase: o.phase ?? 'Pending' },
  };
}

/** podInfo builds a PodInfo. */
export function podInfo(o: PodSpecLite = {}): PodInfo {
  return newPodInfo(pod(o));
}

/** NodeLite is what tests set on a node. */
export interface NodeLite {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: boolean;
}

/** nodeInfo builds a NodeInfo holding the given pods. */
export function nodeInfo(name: string, o: NodeLite = {}, pods: PodInfo[] = []): NodeInfo {
  const info = new NodeInfo(name, readyNode(name, { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' }, o));
  for (const p of pods) info.addPod(p);
  return info;
}

/** seeded is a small deterministic random source for tie-breaking tests. */
export function seeded(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
