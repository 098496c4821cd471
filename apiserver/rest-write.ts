/**
 * The writing verbs on objects: create (with generateName), update (CAS on resourceVersion),
 * patch (merge or JSON patch, retried on races), delete (graceful for bound pods, marks for
 * finalizers) and deletecollection. Each ends in one etcd transaction after one read at most.
 */
import { customAlphabet } from 'nanoid';
import type { ResourceInfo } from '../api/resources.js';
import { AlreadyExistsError, BadRequestError, ConflictError, ForbiddenError, InvalidError, NotFoundError } from '../api/errors.js';
import type { KubeObject, Namespace, Pod, Status } from '../api/types.js';
import { applyDefaults } from '../api/defaults.js';
import { validateObject } from '../api/validation.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../api/merge-patch.js';
import { type ApiContext, checkIdentity, checkTypeMeta } from './context.js';
import { decideDelete, removableAfterUpdate, type DeleteOptions } from './deletion.js';
import { nowRfc3339, podSpecUpdateCauses, prepareForCreate, prepareForStatusUpdate, prepareForUpdate } from './strategy.js';
import { encodeStored, objectKey, type Stored } from './storage.js';
import { BUILTIN_NAMESPACES } from './namespaces.js';
import type { PatchType } from './request.js';

const suffix = customAlphabet('bcdfghjklmnpqrstvwxz2456789', 5);
const MAX_RETRIES = 8;

function conflict(r: ResourceInfo, name: string): ConflictError {
  const what = r.group ? `${r.plural}.${r.group}` : r.plural;
  return new ConflictError(`Operation cannot be fulfilled on ${what} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: r.group, kind: r.plural });
}

function validate(r: ResourceInfo, obj: KubeObject): void {
  const causes = validateObject(r.kind, obj);
  if (causes.length) throw new InvalidError(r.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', causes, r.group);
}

/** createObject stores a new object of resource r in `namespace`; returns it with uid and resourceVersion. */
export async function createObject(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, obj: KubeObject, dryRun = false): Promise<KubeObject> {
  checkTypeMeta(obj, r);
  checkIdentity(obj, r, namespace, undefined);
  const m = obj.metadata;
  for (const f of ['name', 'generateName'] as const) {
    if (m[f] !== undefined && typeof m[f] !== 'string') {
      throw new InvalidError(r.kind, '', [{ reason: 'FieldValueTypeInvalid', field: `metadata.${f}`, message: `Invalid value: ${JSON.stringify(m[f])}: must be of type string` }], r.group);
    }
  }
  if (typeof m.name !== 'string' || m.name === '') {
    if (typeof m.generateName === 'string' && m.generateName !== '') m.name = m.generateName + suffix();
    else throw new InvalidError(r.kind, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }], r.group);
  }
  applyDefaults(r.kind, obj);
  prepareForCreate(r, obj);
  validate(r, obj);
  if (r.namespaced) await ctx.namespaces.ensureWritable(namespace!);
  if (dryRun) return obj;
  for (let attempt = 0; ; attempt++) {
    const made = await ctx.storage.create(r, obj);
    if (made) {
      if (r.kind === 'Namespace') ctx.namespaces.note(made);
      return made;
    }
    if (!m.generateName || attempt >= 3) throw new AlreadyExistsError(r.plural, m.name!, r.group);
    m.name = m.generateName + suffix();
  }
}

async function mustGet(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, name: string): Promise<Stored> {
  const cur = await ctx.storage.get(r, namespace, name);
  if (!cur) throw NotFoundError.object(r.plural, name, r.group);
  return cur;
}

/**
 * recentAt is the watch hub's newest value of an object when it is at `revision` (what a writer
 * that read it from a watch sends), sparing the etcd read; a stale one just loses the CAS.
 */
function recentAt(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, name: string, revision: string): Stored | undefined {
  const hub = ctx.hub.hub(r);
  const key = objectKey(r, namespace, name);
  return hub.recent(key)?.modRevision === revision ? hub.recentStored(key) : undefined;
}

function sameStored(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return strip(a) === strip(b);
}

/**
 * writeOver turns `next` into what is stored over `cur` (main resource or status) and writes it with
 * CAS; returns undefined on a lost race so the caller may retry. A `cur` not read from etcd
 * (`confirmed` false) may be stale, so a no-change write is not answered from it: undefined too.
 * A status write changes cur.obj itself when cur keeps its stored text (a fresh parse of the
 * caller's own, compared by that text), and leaves `next` as it is.
 */
async function writeOver(ctx: ApiContext, r: ResourceInfo, cur: Stored, next: KubeObject, sub: 'status' | undefined, confirmed = true): Promise<KubeObject | undefined> {
  let out: KubeObject;
  if (sub === 'status') {
    out = prepareForStatusUpdate(next as any, cur.json !== undefined ? (cur.obj as any) : structuredClone(cur.obj));
  } else {
    applyDefaults(r.kind, next);
    prepareForUpdate(r, next as any, cur.obj as any);
    out = next;
    if (r.kind === 'Pod') {
      const causes = podSpecUpdateCauses(cur.obj as Pod, out as Pod);
      if (causes.length) throw new InvalidError(r.kind, out.metadata.name!, causes);
    }
  }
  validate(r, out);
  const json = encodeStored(out);
  if (cur.json !== undefined ? json === cur.json : sameStored(out, cur.obj)) return confirmed ? cur.obj : undefined;
  if (removableAfterUpdate(out)) {
    const rev = await ctx.storage.delete(r, out.metadata.namespace, out.metadata.name!, cur.modRevision);
    if (rev === undefined) return undefined;
    out.metadata.resourceVersion = rev;
    return out;
  }
  const written = await ctx.storage.update(r, out, cur.modRevision, json);
  if (written && r.kind === 'Namespace') ctx.namespaces.note(written);
  return written;
}

/** updateObject replaces an object (PUT); a stale metadata.resourceVersion is a 409. */
export async function updateObject(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, name: string, obj: KubeObject, sub?: 'status'): Promise<KubeObject> {
  checkTypeMeta(obj, r);
  checkIdentity(obj, r, namespace, name);
  const wanted = obj.metadata.resourceVersion;
  if (wanted !== undefined && !/^\d+$/.test(String(wanted))) throw new BadRequestError(`metadata.resourceVersion "${String(wanted)}" is not a valid resource version`);
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const cached = attempt === 0 && wanted ? recentAt(ctx, r, namespace, name, wanted) : undefined;
    const cur = cached ?? (await mustGet(ctx, r, namespace, name));
    if (wanted !== undefined && wanted !== '' && wanted !== cur.modRevision) throw conflict(r, name);
    // A status write reads `obj` without changing it; a main-resource write fills in defaults.
    const written = await writeOver(ctx, r, cur, sub === 'status' ? obj : structuredClone(obj), sub, !cached);
    if (written) return written;
    // A lost CAS on the hub's value is decided again on what etcd says.
    if (wanted && !cached) throw conflict(r, name);
  }
  throw conflict(r, name);
}

/** patchObject applies a merge or JSON patch to the current object and writes it, retrying races unless the patch pins a resourceVersion. */
export async function patchObject(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, name: string, patch: unknown, type: PatchType, sub?: 'status'): Promise<KubeObject> {
  if (type !== 'json' && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) throw new BadRequestError('a merge patch must be a JSON object');
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const cur = await mustGet(ctx, r, namespace, name);
    const patched = (type === 'merge' ? applyMergePatch(cur.obj, patch) : type === 'strategic' ? applyStrategicMergePatch(cur.obj, patch) : applyJsonPatch(cur.obj, patch)) as KubeObject;
    if (typeof patched !== 'object' || patched === null || typeof patched.metadata !== 'object' || patched.metadata === null) {
      throw new BadRequestError('the patch leaves no object metadata');
    }
    const pinned = patched.metadata.resourceVersion !== cur.modRevision ? patched.metadata.resourceVersion : undefined;
    if (pinned !== undefined) throw conflict(r, name);
    checkTypeMeta(patched, r);
    checkIdentity(patched, r, namespace, name);
    const pinnedByPatch = typeof patch === 'object' && patch !== null && (patch as any).metadata?.resourceVersion !== undefined;
    const written = await writeOver(ctx, r, cur, patched, sub);
    if (written) return written;
    if (pinnedByPatch) throw conflict(r, name);
  }
  throw conflict(r, name);
}

/** deleteOptionsFrom merges DeleteOptions from the query and the body (the body wins). */
export function deleteOptionsFrom(query: Record<string, unknown>, body: unknown): DeleteOptions {
  const opts: DeleteOptions = {};
  const q = (k: string) => (Array.isArray(query[k]) ? (query[k] as unknown[])[0] : query[k]) as string | undefined;
  const grace = q('gracePeriodSeconds');
  if (grace !== undefined && grace !== '') {
    if (!/^-?\d+$/.test(grace)) throw new BadRequestError(`gracePeriodSeconds="${grace}" must be an integer`);
    opts.gracePeriodSeconds = Math.max(0, Number(grace));
  }
  const pp = q('propagationPolicy');
  if (pp !== undefined) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, any>;
    if (typeof b.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = Math.max(0, Math.floor(b.gracePeriodSeconds));
    else if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) throw new BadRequestError('DeleteOptions.gracePeriodSeconds must be an integer');
    if (typeof b.propagationPolicy === 'string') opts.propagationPolicy = b.propagationPolicy as DeleteOptions['propagationPolicy'];
    if (b.orphanDependents === true && !opts.propagationPolicy) opts.propagationPolicy = 'Orphan';
    if (b.preconditions && typeof b.preconditions === 'object') opts.preconditions = b.preconditions;
  }
  if (opts.propagationPolicy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw new BadRequestError(`propagationPolicy "${opts.propagationPolicy}" must be Orphan, Background or Foreground`);
  }
  return opts;
}

/** deleteObject deletes (or marks for deletion) one object; returns what Kubernetes returns: the object, or a Status. */
export async function deleteObject(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions): Promise<KubeObject | Status> {
  if (r.kind === 'Namespace' && (BUILTIN_NAMESPACES as readonly string[]).includes(name)) {
    throw new ForbiddenError(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const cur = await mustGet(ctx, r, namespace, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== cur.obj.metadata.uid) throw new ConflictError(`Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.obj.metadata.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== cur.modRevision) throw conflict(r, name);
    if (r.kind === 'Namespace') return terminateNamespace(ctx, r, cur);
    const decision = decideDelete(cur.obj, opts, Date.now());
    if (decision.action === 'mark') {
      if (sameStored(decision.obj, cur.obj)) return cur.obj;
      const written = await ctx.storage.update(r, decision.obj, cur.modRevision);
      if (written) return written;
      continue;
    }
    const rev = await ctx.storage.delete(r, namespace, name, cur.modRevision);
    if (rev === undefined) continue;
    if (r.kind === 'Pod') return cur.obj;
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200, details: { name, group: r.group, kind: r.plural, uid: cur.obj.metadata.uid } };
  }
  throw conflict(r, name);
}

/** terminateNamespace marks a namespace Terminating and hands it to the namespace finalizer, which empties and removes it. */
async function terminateNamespace(ctx: ApiContext, r: ResourceInfo, cur: Stored): Promise<KubeObject> {
  const ns = cur.obj as Namespace;
  let out: KubeObject = ns;
  if (!ns.metadata.deletionTimestamp || ns.status?.phase !== 'Terminating') {
    const next = structuredClone(ns);
    next.metadata.deletionTimestamp ??= nowRfc3339();
    next.metadata.deletionGracePeriodSeconds ??= 0;
    next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    const written = await ctx.storage.update(r, next, cur.modRevision);
    if (!written) throw conflict(r, ns.metadata.name!);
    ctx.namespaces.note(written);
    out = written;
  }
  ctx.finalizeNamespace?.(ns.metadata.name!);
  return out;
}
