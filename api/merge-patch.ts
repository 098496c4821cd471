/**
 * JSON merge patch (RFC 7386), strategic merge patch (Kubernetes' variant: lists with a merge key
 * merge element by element, plus the $patch, $setElementOrder, $retainKeys and
 * $deleteFromPrimitiveList directives kubectl sends) and JSON patch (RFC 6902), pure functions
 * over plain JSON values.
 */
import { BadRequestError, InvalidError } from './errors.js';

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** applyMergePatch returns target with patch merged in: objects merge key by key, null deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$setElementOrder') || k.startsWith('$retainKeys') || k.startsWith('$deleteFromPrimitiveList')) continue;
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** MERGE_KEYS maps a list field name to the key its elements merge by in a strategic merge patch (Kubernetes' patchMergeKey). */
export const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', env: 'name', volumes: 'name', imagePullSecrets: 'name',
  ports: 'containerPort', volumeMounts: 'mountPath', conditions: 'type', ownerReferences: 'uid', addresses: 'type', hostAliases: 'ip',
  podIPs: 'ip', topologySpreadConstraints: 'topologyKey',
};

/** MERGED_PRIMITIVE_LISTS are lists of strings that a strategic merge patch unions instead of replacing. */
export const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function mergeList(field: string, target: unknown, patch: unknown[], order: unknown[] | undefined): unknown[] {
  const key = MERGE_KEYS[field];
  const base = Array.isArray(target) ? target : [];
  if (MERGED_PRIMITIVE_LISTS.has(field) && patch.every((v) => !isObj(v))) {
    return [...base, ...patch.filter((v) => !base.includes(v))];
  }
  if (!key || !patch.every((v) => isObj(v) && (v[key] !== undefined || v.$patch !== undefined))) {
    return patch.filter((v) => !(isObj(v) && v.$patch === 'delete')).map((v) => structuredClone(v));
  }
  let out = base.map((v) => v);
  for (const item of patch as Record<string, unknown>[]) {
    const idx = out.findIndex((v) => isObj(v) && v[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (item.$patch === 'replace') {
      const { $patch: _p, ...rest } = item;
      if (idx >= 0) out[idx] = rest;
      else out.push(rest);
      continue;
    }
    if (idx >= 0) out[idx] = applyStrategicMergePatch(out[idx], item);
    else out.push(applyStrategicMergePatch(undefined, item));
  }
  if (order && key) {
    const keys = order.map((o) => (isObj(o) ? o[key] : o));
    const ranked = out.filter((v) => isObj(v) && keys.includes(v[key]));
    ranked.sort((a, b) => keys.indexOf((a as Record<string, unknown>)[key]) - keys.indexOf((b as Record<string, unknown>)[key]));
    out = [...ranked, ...out.filter((v) => !ranked.includes(v))];
  }
  return out;
}

/** applyStrategicMergePatch is applyMergePatch with Kubernetes' strategic rules for keyed lists and directives. */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = mergeList(k, out[k], v, patch[`$setElementOrder/${k}`] as unknown[] | undefined);
    } else {
      const merged = applyStrategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  for (const k of Object.keys(patch)) {
    if (!k.startsWith('$setElementOrder/')) continue;
    const field = k.slice('$setElementOrder/'.length);
    if (!(field in patch) && Array.isArray(out[field])) out[field] = mergeList(field, out[field], [], patch[k] as unknown[]);
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

/** JsonPatchOp is one RFC 6902 operation. */
export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new BadRequestError(`JSON patch path "${path}" must start with "/"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, segs: string[], path: string): { parent: any; key: string } {
  let cur: any = doc;
  for (const s of segs.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(s)] : isObj(cur) ? cur[s] : undefined;
    if (cur === undefined) throw new InvalidError('JSONPatch', path, [{ field: path, message: `path ${path} does not exist`, reason: 'FieldValueNotFound' }]);
  }
  return { parent: cur, key: segs[segs.length - 1]! };
}

function getAt(doc: unknown, path: string): unknown {
  let cur: any = doc;
  for (const s of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(s)] : isObj(cur) ? cur[s] : undefined;
    if (cur === undefined) throw new InvalidError('JSONPatch', path, [{ field: path, message: `path ${path} does not exist`, reason: 'FieldValueNotFound' }]);
  }
  return cur;
}

/** applyJsonPatch applies RFC 6902 operations to a copy of doc. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new BadRequestError('a JSON patch must be an array of operations');
  let out = structuredClone(doc);
  for (const [i, raw] of ops.entries()) {
    if (!isObj(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new BadRequestError(`JSON patch operation ${i} needs "op" and "path"`);
    const op = raw as unknown as JsonPatchOp;
    const segs = pointer(op.path);
    const put = (value: unknown): void => {
      if (segs.length === 0) {
        out = value;
        return;
      }
      const { parent, key } = parentOf(out, segs, op.path);
      if (Array.isArray(parent)) {
        const idx = key === '-' ? parent.length : Number(key);
        if (op.op === 'replace') parent[idx] = value;
        else parent.splice(idx, 0, value);
      } else if (isObj(parent)) parent[key] = value;
      else throw new BadRequestError(`JSON patch path ${op.path}: parent is not an object or array`);
    };
    const remove = (path: string): void => {
      const s = pointer(path);
      const { parent, key } = parentOf(out, s, path);
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else if (isObj(parent) && key in parent) delete parent[key];
      else throw new InvalidError('JSONPatch', path, [{ field: path, message: `path ${path} does not exist`, reason: 'FieldValueNotFound' }]);
    };
    switch (op.op) {
      case 'add': put(structuredClone(op.value)); break;
      case 'replace': getAt(out, op.path); put(structuredClone(op.value)); break;
      case 'remove': remove(op.path); break;
      case 'copy': put(structuredClone(getAt(out, op.from ?? ''))); break;
      case 'move': { const v = getAt(out, op.from ?? ''); remove(op.from ?? ''); put(v); break; }
      case 'test':
        if (JSON.stringify(getAt(out, op.path)) !== JSON.stringify(op.value)) throw new InvalidError('JSONPatch', op.path, [{ field: op.path, message: 'test operation failed', reason: 'FieldValueInvalid' }]);
        break;
      default: throw new BadRequestError(`JSON patch operation ${i}: unknown op "${String(raw.op)}"`);
    }
  }
  return out;
}
