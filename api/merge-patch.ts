/**
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902), pure functions over plain JSON values.
 * PATCH with merge-patch+json or strategic-merge-patch+json uses the first (lists are replaced
 * whole); json-patch+json uses the second.
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
