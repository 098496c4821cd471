/**
 * Subresources: pods/binding (the scheduler's CAS assignment of a node), deployments|replicasets/scale
 * (a Scale view of spec.replicas). The `status` subresource is the generic update with
 * sub='status' in rest-write.ts; `log` is in logs-proxy.ts.
 */
import type { ResourceInfo } from '../api/resources.js';
import { ConflictError, InvalidError, NotFoundError, BadRequestError } from '../api/errors.js';
import { labelSelectorToString } from '../api/selectors.js';
import { dns1123SubdomainError, validateObject } from '../api/validation.js';
import { applyJsonPatch, applyMergePatch } from '../api/merge-patch.js';
import type { Binding, Deployment, KubeObject, Pod, Scale } from '../api/types.js';
import { type ApiContext, asObject } from './context.js';
import { nowRfc3339, prepareForUpdate } from './strategy.js';
import { objectKey, type Stored } from './storage.js';
import type { PatchType } from './request.js';

const MAX_RETRIES = 8;

/** bindRefusal is why a pod may not be bound (already bound, being deleted, another uid), or undefined. */
function bindRefusal(pod: Pod, name: string, uid: string | undefined): ConflictError | undefined {
  if (pod.metadata.deletionTimestamp) return new ConflictError(`pod ${name} is being deleted, cannot be assigned to a host`);
  if (pod.spec.nodeName) return new ConflictError(`pod ${name} is already assigned to node "${pod.spec.nodeName}"`, { name, kind: 'pods', group: '' });
  if (uid && uid !== pod.metadata.uid) return new ConflictError(`Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`);
  return undefined;
}

/**
 * bindPod assigns a pod to a node: 409 when it is already bound (or being deleted), one CAS write
 * otherwise. The pod is read from the watch hub's newest value when it has one (no etcd read); a
 * stale value loses the CAS, and a refusal is only given on what etcd itself says.
 */
export async function bindPod(ctx: ApiContext, r: ResourceInfo, namespace: string, name: string, body: unknown): Promise<KubeObject> {
  const b = asObject(body) as Binding;
  if ((b as unknown as Record<string, unknown>).kind === undefined) b.kind = 'Binding';
  if (b.kind !== 'Binding') throw new BadRequestError(`the body of pods/binding must be a Binding, not "${String(b.kind)}"`);
  if (b.metadata.name !== undefined && b.metadata.name !== name) throw new BadRequestError(`the name of the binding (${b.metadata.name}) does not match the pod on the URL (${name})`);
  const causes = validateObject('Binding', { ...b, apiVersion: 'v1', metadata: b.metadata ?? {} });
  if (causes.length) throw new InvalidError('Binding', name, causes);
  const node = b.target.name;
  if (!node) throw new InvalidError('Binding', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  const why = dns1123SubdomainError(node);
  if (why) throw new InvalidError('Binding', name, [{ reason: 'FieldValueInvalid', field: 'target.name', message: `Invalid value: ${JSON.stringify(node)}: ${why}` }]);
  const recent = ctx.hub.hub(r).recentStored<Pod>(objectKey(r, namespace, name));
  // Both sources give an object of our own (a fresh parse), so it is changed in place.
  let cur: Stored<Pod> | undefined = recent ?? (await ctx.storage.get<Pod>(r, namespace, name));
  let fromEtcd = !recent;
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    if (!cur) throw NotFoundError.object('pods', name);
    const refused = bindRefusal(cur.obj, name, b.metadata.uid);
    if (refused && fromEtcd) throw refused;
    if (!refused) {
      const pod = cur.obj;
      pod.spec.nodeName = node;
      const status = (pod.status ??= {});
      const conds = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowRfc3339() });
      status.conditions = conds;
      const written = await ctx.storage.update(r, pod, cur.modRevision);
      if (written) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject;
    }
    cur = await ctx.storage.get<Pod>(r, namespace, name);
    fromEtcd = true;
  }
  throw new ConflictError(`Operation cannot be fulfilled on pods "${name}": too many concurrent writers`);
}

/** scaleOf is the Scale view (autoscaling/v1) of a Deployment or ReplicaSet. */
export function scaleOf(obj: Deployment): Scale {
  let selector = '';
  try {
    selector = obj.spec?.selector ? labelSelectorToString(obj.spec.selector) : '';
  } catch {
    selector = '';
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0, selector },
  };
}

/** getScale answers GET .../scale. */
export async function getScale(ctx: ApiContext, r: ResourceInfo, namespace: string, name: string): Promise<Scale> {
  const cur = await ctx.storage.get<Deployment>(r, namespace, name);
  if (!cur) throw NotFoundError.object(r.plural, name, r.group);
  return scaleOf(cur.obj);
}

/** writeScale answers PUT/PATCH .../scale: sets spec.replicas of the owner with CAS (409 on a stale resourceVersion). */
export async function writeScale(ctx: ApiContext, r: ResourceInfo, namespace: string, name: string, body: unknown, patch?: PatchType): Promise<Scale> {
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const cur = await ctx.storage.get<Deployment>(r, namespace, name);
    if (!cur) throw NotFoundError.object(r.plural, name, r.group);
    const current = scaleOf(cur.obj);
    const scale = (patch === 'json' ? applyJsonPatch(current, body) : patch ? applyMergePatch(current, body) : asObject(body)) as Scale;
    const causes = validateObject('Scale', scale);
    if (causes.length) throw new InvalidError('Scale', name, causes, 'autoscaling');
    const wanted = scale.metadata?.resourceVersion;
    if (!patch && wanted && wanted !== cur.modRevision) throw new ConflictError(`Operation cannot be fulfilled on ${r.plural}.${r.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    const next = structuredClone(cur.obj);
    next.spec.replicas = scale.spec?.replicas ?? next.spec.replicas;
    if (next.spec.replicas === cur.obj.spec.replicas) return current;
    prepareForUpdate(r, next as any, cur.obj as any);
    const written = await ctx.storage.update(r, next, cur.modRevision);
    if (written) return scaleOf(written);
    if (!patch && wanted) throw new ConflictError(`Operation cannot be fulfilled on ${r.plural}.${r.group} "${name}": the object has been modified`);
  }
  throw new ConflictError(`Operation cannot be fulfilled on ${r.plural}.${r.group} "${name}": too many concurrent writers`);
}
