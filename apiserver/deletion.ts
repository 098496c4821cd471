/**
 * Deletion decisions, pure: whether a DELETE removes the object now or only marks it with a
 * deletionTimestamp (graceful pod termination, finalizers), following Kubernetes' rules.
 */
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../api/finalizers.js';
import type { KubeObject, Pod } from '../api/types.js';

/** DeleteOptions is what a DELETE carries in its query or body. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** DeleteDecision: remove the key now, or write `obj` (marked for deletion) instead. */
export type DeleteDecision<T extends KubeObject = KubeObject> = { action: 'remove' } | { action: 'mark'; obj: T };


function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** podGracePeriod is how long a pod gets to stop: 0 when it never ran anywhere or has already finished. */
export function podGracePeriod(pod: Pod, requested: number | undefined): number {
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  return requested ?? pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}

/** decideDelete says what a DELETE of `current` does; `obj` in a mark decision is a new copy. */
export function decideDelete<T extends KubeObject>(current: T, opts: DeleteOptions, nowMs: number): DeleteDecision<T> {
  const finalizers = [...(current.metadata.finalizers ?? [])];
  if (opts.propagationPolicy === 'Orphan' && !finalizers.includes(ORPHAN_FINALIZER)) finalizers.push(ORPHAN_FINALIZER);
  if (opts.propagationPolicy === 'Foreground' && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
  const grace = current.kind === 'Pod' ? podGracePeriod(current as unknown as Pod, opts.gracePeriodSeconds) : 0;
  if (finalizers.length === 0 && grace === 0) return { action: 'remove' };
  const obj = structuredClone(current);
  obj.metadata.finalizers = finalizers.length ? finalizers : undefined;
  if (obj.metadata.finalizers === undefined) delete obj.metadata.finalizers;
  const prevGrace = current.metadata.deletionGracePeriodSeconds;
  if (current.metadata.deletionTimestamp === undefined || prevGrace === undefined || grace < prevGrace) {
    // A shorter grace period may replace a longer one, never the other way round.
    obj.metadata.deletionTimestamp = rfc3339(nowMs + grace * 1000);
    obj.metadata.deletionGracePeriodSeconds = grace;
  }
  return { action: 'mark', obj };
}

/** removableAfterUpdate tells whether an object being deleted may now go: marked, no finalizers, no grace left to wait for. */
export function removableAfterUpdate(obj: KubeObject): boolean {
  if (!obj.metadata.deletionTimestamp) return false;
  if ((obj.metadata.finalizers ?? []).length > 0) return false;
  if (obj.kind === 'Pod') return (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0;
  return true;
}
