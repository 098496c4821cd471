/**
 * The ReplicaSet controller's decisions as pure functions of (replicaset, pods, now): how many pods
 * to create, which to delete first, what a new pod looks like, and the status to report.
 */
import type { OwnerReference, Pod, ReplicaSet, ReplicaSetStatus } from '../api/types.js';
import { isPodActive, isPodAvailable, isPodReady } from './pod-readiness.js';

/** BURST_REPLICAS caps the creates or deletes of one sync, as Kubernetes' burstReplicas does. */
export const BURST_REPLICAS = 500;

/** ReplicaDiff is what one sync must do: create `create` pods, delete the pods in `remove`. */
export interface ReplicaDiff {
  create: number;
  remove: Readonly<Pod>[];
}

/** replicaDiff compares the active pods a ReplicaSet owns with the replicas it wants. */
export function replicaDiff(rs: Readonly<ReplicaSet>, ownedPods: readonly Readonly<Pod>[]): ReplicaDiff {
  const active = ownedPods.filter(isPodActive);
  const want = rs.metadata.deletionTimestamp ? 0 : rs.spec.replicas ?? 1;
  const diff = active.length - want;
  if (diff < 0) return { create: Math.min(-diff, BURST_REPLICAS), remove: [] };
  if (diff > 0) return { create: 0, remove: rankForDeletion(active).slice(0, Math.min(diff, BURST_REPLICAS)) };
  return { create: 0, remove: [] };
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: Readonly<Pod>): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
}

/**
 * rankForDeletion orders pods so that the cheapest to lose come first, as Kubernetes does:
 * unscheduled before scheduled, Pending before Running, not Ready before Ready, more restarts
 * before fewer, newer before older.
 */
export function rankForDeletion(pods: readonly Readonly<Pod>[]): Readonly<Pod>[] {
  return [...pods].sort((a, b) => {
    const sa = a.spec.nodeName ? 1 : 0;
    const sb = b.spec.nodeName ? 1 : 0;
    if (sa !== sb) return sa - sb;
    const pa = phaseRank[a.status?.phase ?? 'Pending'] ?? 0;
    const pb = phaseRank[b.status?.phase ?? 'Pending'] ?? 0;
    if (pa !== pb) return pa - pb;
    const ra = isPodReady(a) ? 1 : 0;
    const rb = isPodReady(b) ? 1 : 0;
    if (ra !== rb) return ra - rb;
    const xa = restarts(a);
    const xb = restarts(b);
    if (xa !== xb) return xb - xa;
    return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
  });
}

/** ownerReferenceTo is the controller reference a ReplicaSet puts on the pods it makes. */
export function ownerReferenceTo(owner: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } }): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** podFromTemplate builds a new pod for a ReplicaSet from its template (generateName `<rs>-`). */
export function podFromTemplate(rs: Readonly<ReplicaSet>): Pod {
  const tmpl = structuredClone(rs.spec.template) as ReplicaSet['spec']['template'];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: tmpl.metadata?.labels,
      annotations: tmpl.metadata?.annotations,
      ownerReferences: [ownerReferenceTo(rs)],
    },
    spec: tmpl.spec,
  };
}

/** replicaSetStatus counts what the owned pods show; observedGeneration records the spec it saw. */
export function replicaSetStatus(rs: Readonly<ReplicaSet>, ownedPods: readonly Readonly<Pod>[], now: number): ReplicaSetStatus {
  const active = ownedPods.filter(isPodActive);
  const minReady = rs.spec.minReadySeconds ?? 0;
  return {
    replicas: active.length,
    fullyLabeledReplicas: active.length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation,
  };
}

/** statusEqual tells whether a status write would change anything. */
export function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  if (!a) return false;
  return (
    a.replicas === b.replicas &&
    (a.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    a.observedGeneration === b.observedGeneration
  );
}
