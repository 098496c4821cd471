/**
 * The pure decision of `flotctl apply` for an object that exists: unchanged, or the object to PUT.
 * Like kubectl's client-side apply it keeps the last applied manifest in an annotation and merges
 * three ways: fields the manifest sets win; fields it dropped since the last apply are removed;
 * fields neither mention (server defaults, nodeName set by the scheduler, status) are kept.
 */
import type { KubeObject } from '../../api/types.js';

/** LAST_APPLIED is the annotation that keeps the last applied manifest (kubectl's own name, so both tools agree). */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** ApplyPlan is what apply does with one object. */
export type ApplyPlan = { action: 'unchanged' } | { action: 'configure'; object: KubeObject };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** deepEqual compares two JSON values structurally. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * subsetEqual tells whether everything `desired` says is also in `live`: objects may carry more
 * keys in live (server defaults such as a container's imagePullPolicy), arrays match element-wise.
 */
export function subsetEqual(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  if (Array.isArray(desired)) return Array.isArray(live) && desired.length === live.length && desired.every((v, i) => subsetEqual(v, live[i]));
  if (isObject(desired)) return isObject(live) && Object.entries(desired).every(([k, v]) => v === undefined || subsetEqual(v, live[k]));
  return false;
}

/**
 * unchangedValue decides for a non-object field (a scalar or a list): unchanged when live already
 * holds what the manifest says and, for a list, the manifest did not change it since the last
 * apply (an element's dropped field would not show as a difference against live).
 */
function unchangedValue(last: Json | undefined, desired: Json, live: Json | undefined): boolean {
  if (!subsetEqual(desired, live)) return false;
  if (Array.isArray(desired) && last !== undefined && !deepEqual(last, desired)) return false;
  return true;
}

/**
 * threeWayPatch computes the JSON merge patch that takes `live` to `desired`, removing what
 * `last` (the previous manifest) had and `desired` dropped. An empty object means no change.
 */
export function threeWayPatch(last: Json | undefined, desired: Json, live: Json | undefined): JsonObject {
  const patch: JsonObject = {};
  if (!isObject(desired)) return patch;
  for (const [k, dv] of Object.entries(desired)) {
    if (dv === undefined) continue;
    const lv = isObject(live) ? live[k] : undefined;
    if (isObject(dv) && isObject(lv)) {
      const sub = threeWayPatch(isObject(last) ? last[k] : undefined, dv, lv);
      if (Object.keys(sub).length) patch[k] = sub;
    } else if (!unchangedValue(isObject(last) ? last[k] : undefined, dv, lv)) {
      patch[k] = dv;
    }
  }
  if (isObject(last)) {
    for (const k of Object.keys(last)) {
      if (!(k in desired) && isObject(live) && live[k] !== undefined) patch[k] = null;
    }
  }
  return patch;
}

/** applyMergePatch applies a JSON merge patch (RFC 7386) to a copy of `target`. */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** desiredWithAnnotation is the manifest as sent: its last-applied annotation set to itself. */
export function desiredWithAnnotation(manifest: KubeObject): KubeObject {
  const copy = structuredClone(manifest);
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  const forRecord = structuredClone(copy);
  if (Object.keys(annotations).length) forRecord.metadata.annotations = annotations;
  else delete forRecord.metadata.annotations;
  annotations[LAST_APPLIED] = JSON.stringify(forRecord);
  copy.metadata.annotations = annotations;
  return copy;
}

const NOT_APPLIED = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** applyView is the part of an object apply manages: labels, annotations and every top-level field but status. */
function applyView(o: KubeObject | Record<string, unknown>): JsonObject {
  const src = o as unknown as JsonObject;
  const meta = (isObject(src.metadata) ? src.metadata : {}) as JsonObject;
  const view: JsonObject = { metadata: {} };
  if (meta.labels !== undefined) (view.metadata as JsonObject).labels = meta.labels;
  if (meta.annotations !== undefined) (view.metadata as JsonObject).annotations = meta.annotations;
  for (const [k, v] of Object.entries(src)) if (!NOT_APPLIED.has(k)) view[k] = v;
  return view;
}

/** planApply decides what `apply` does with a manifest whose object exists as `live`. */
export function planApply(manifest: KubeObject, live: KubeObject): ApplyPlan {
  const desired = desiredWithAnnotation(manifest);
  let last: Json | undefined;
  const recorded = live.metadata.annotations?.[LAST_APPLIED];
  if (recorded) {
    try {
      last = JSON.parse(recorded) as Json;
    } catch {
      last = undefined;
    }
  }
  const patch = threeWayPatch(last === undefined ? undefined : applyView(last as JsonObject), applyView(desired), applyView(live));
  if (Object.keys(patch).length === 0 || (Object.keys(patch).length === 1 && isObject(patch.metadata) && Object.keys(patch.metadata).length === 0)) {
    return { action: 'unchanged' };
  }
  const object = applyMergePatch(live as unknown as Json, patch) as unknown as KubeObject;
  object.metadata = { ...object.metadata, resourceVersion: live.metadata.resourceVersion };
  return { action: 'configure', object };
}
