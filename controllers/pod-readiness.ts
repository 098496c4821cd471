/**
 * Pure predicates over pods that the ReplicaSet and Deployment controllers share: whether a pod
 * still counts toward its owner's replicas, whether it is Ready, and whether it has been Ready long
 * enough to count as available (minReadySeconds).
 */
import type { OwnerReference, Pod } from '../api/types.js';

/** isPodActive: not finished and not being deleted, so it still counts toward replicas. */
export function isPodActive(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** isPodReady: the pod's Ready condition is True. */
export function isPodReady(pod: Readonly<Pod>): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** isPodAvailable: Ready for at least minReadySeconds at time `now` (ms since the epoch). */
export function isPodAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: number): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** controllerOf returns the ownerReference that marks an object's managing controller. */
export function controllerOf(obj: { metadata: { ownerReferences?: readonly OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}
