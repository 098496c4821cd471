/**
 * What the server sets and keeps on writes, per resource, as Kubernetes' registry strategies do:
 * on create uid, creationTimestamp, generation and a fresh status; on update the fields a client
 * may not change (uid, creationTimestamp, deletion marks, and the status or the spec depending on
 * whether the main resource or the status subresource is written), and generation bumped when
 * the spec changed.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject, Pod, StatusCause } from '../api/types.js';

type Obj = KubeObject & { spec?: unknown; status?: unknown };

let memoSecond = Number.NaN;
let memoText = '';

/** nowRfc3339 is the current time in Kubernetes' timestamp form (seconds, Z); the last second's text is reused. */
export function nowRfc3339(ms = Date.now()): string {
  const second = Math.floor(ms / 1000);
  if (second !== memoSecond) {
    memoText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    memoSecond = second;
  }
  return memoText;
}

/** hasStatus tells whether a resource has a status subresource, so main-resource writes keep the old status. */
export function hasStatus(r: ResourceInfo): boolean {
  return r.subresources.includes('status');
}

/** prepareForCreate sets the server-owned metadata and the initial status of a new object. */
export function prepareForCreate(r: ResourceInfo, obj: Obj, nowMs = Date.now()): void {
  const m = obj.metadata;
  m.uid = randomUUID();
  m.creationTimestamp = nowRfc3339(nowMs);
  m.generation = 1;
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  switch (r.kind) {
    case 'Pod': {
      const pod = obj as unknown as Pod;
      pod.status = { phase: 'Pending' };
      if (pod.spec?.nodeName) {
        pod.status.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: m.creationTimestamp }];
      }
      break;
    }
    case 'Deployment':
    case 'ReplicaSet':
      obj.status = {};
      break;
    case 'Namespace':
      obj.status = { phase: 'Active' };
      break;
  }
}

function stableJson(v: unknown): string {
  return JSON.stringify(v ?? null);
}

/** podSpecUpdateCauses forbids pod spec changes other than container images, as Kubernetes does. */
export function podSpecUpdateCauses(oldPod: Pod, newPod: Pod): StatusCause[] {
  const mask = (p: Pod): unknown => {
    const s = structuredClone(p.spec ?? {}) as Pod['spec'];
    if (Array.isArray(s.containers)) for (const c of s.containers) if (c && typeof c === 'object') c.image = '';
    delete s.tolerations;
    return s;
  };
  if (stableJson(mask(oldPod)) === stableJson(mask(newPod))) return [];
  return [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image` and `spec.tolerations` (only additions to existing tolerations)' }];
}

/** prepareForUpdate carries over from `old` what a main-resource update may not change, and bumps generation. */
export function prepareForUpdate(r: ResourceInfo, next: Obj, old: Obj): void {
  const m = next.metadata;
  const o = old.metadata;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  if (hasStatus(r) && r.kind !== 'Namespace') {
    if (old.status === undefined) delete next.status;
    else next.status = old.status;
  }
  if (r.kind === 'Namespace') next.status = old.status;
  const specChanged = stableJson(next.spec) !== stableJson(old.spec);
  m.generation = (o.generation ?? 1) + (specChanged ? 1 : 0);
}

/** prepareForStatusUpdate builds what a status-subresource write stores: `old` (changed in place: pass a copy of your own) with the new status. */
export function prepareForStatusUpdate(next: Obj, old: Obj): Obj {
  const out = old;
  if (next.status === undefined) delete out.status;
  else out.status = next.status;
  // Labels and annotations may be changed through status too (Kubernetes allows metadata there); nothing else.
  if (next.metadata.labels !== undefined) out.metadata.labels = next.metadata.labels;
  if (next.metadata.annotations !== undefined) out.metadata.annotations = next.metadata.annotations;
  return out;
}
