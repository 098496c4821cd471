/**
 * `flotctl describe KIND [NAME...]`: each object in detail, as kubectl describes it, with what
 * describe looks up besides: its events (by a field selector, or filtered here when the server does
 * not support it), a node's lease and pods, a deployment's ReplicaSets, a ReplicaSet's pods.
 */
import { describeError } from './errors.js';
import type { ApiClient } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Event, KubeObject, Lease, Pod, ReplicaSet } from '../../api/types.js';
import { parseCommandArgs, str } from './args.js';
import { kindArg, splitTypeName, UserError, type Context } from './context.js';
import { describeObject, type Related } from './describe-format.js';
import { noResourcesMessage } from './get.js';

/** usage is printed by `flotctl describe -h`. */
export const usage = `Usage: flotctl describe KIND [NAME...] [-l SELECTOR] [-n NS | -A]

Show objects in detail, with their events.
`;

function isSelectorRefusal(e: unknown): boolean {
  const code = (e as { httpStatus?: number }).httpStatus;
  return code === 400 || code === 422;
}

/** listFiltered lists with a field selector, or lists everything and filters here when the server refuses the selector. */
async function listFiltered<T extends KubeObject>(client: ApiClient, res: string, namespace: string | undefined, fieldSelector: string, keep: (o: T) => boolean): Promise<T[]> {
  try {
    return (await client.list<T>(res, { namespace, fieldSelector })).items.filter(keep);
  } catch (e) {
    if (!isSelectorRefusal(e)) throw e;
  }
  return (await client.list<T>(res, { namespace })).items.filter(keep);
}

/** eventsFor finds the events about one object. */
export function eventsFor(client: ApiClient, o: KubeObject): Promise<Event[]> {
  const name = o.metadata.name ?? '';
  const matches = (e: Event): boolean => e.involvedObject?.name === name && (!e.involvedObject.kind || e.involvedObject.kind === o.kind)
    && (!e.involvedObject.uid || !o.metadata.uid || e.involvedObject.uid === o.metadata.uid);
  return listFiltered<Event>(client, 'events', o.metadata.namespace || 'default', `involvedObject.name=${name}`, matches);
}

async function relatedOf(client: ApiClient, o: KubeObject): Promise<Related> {
  const rel: Related = { events: await eventsFor(client, o) };
  const ns = o.metadata.namespace;
  if (o.kind === 'Node') {
    const name = o.metadata.name ?? '';
    try {
      rel.lease = await client.get<Lease>('leases', name, 'kube-node-lease');
    } catch (e) {
      rel.lease = { error: (e as Error).message };
    }
    const live = (p: Pod) => p.spec.nodeName === name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
    rel.nodePods = await listFiltered<Pod>(client, 'pods', undefined, `spec.nodeName=${name}`, live);
  } else if (o.kind === 'Deployment') {
    rel.replicaSets = (await client.list<ReplicaSet>('replicasets', { namespace: ns })).items;
  } else if (o.kind === 'ReplicaSet') {
    rel.pods = (await client.list<Pod>('pods', { namespace: ns })).items;
  }
  return rel;
}

async function objectsToDescribe(ctx: Context, client: ApiClient, r: ResourceInfo, names: string[], selector: string | undefined, errors: unknown[]): Promise<KubeObject[]> {
  const ns = r.namespaced && !ctx.allNamespaces ? ctx.namespace : undefined;
  if (names.length === 0) return (await client.list(r, { namespace: ns, labelSelector: selector })).items;
  const out: KubeObject[] = [];
  for (const n of names) {
    try {
      out.push(await client.get(r, n, ns));
    } catch (e) {
      errors.push(e);
    }
  }
  return out;
}

/** run describes every named (or selected) object. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('describe', args, { selector: { type: 'string', short: 'l' } });
  if (positionals.length === 0) throw new UserError('you must specify the type of resource to describe, e.g. `flotctl describe pod web-1`');
  let r: ResourceInfo;
  let names: string[];
  const typed = splitTypeName(positionals[0]);
  if (typed) {
    r = typed.kind;
    names = [typed.name, ...positionals.slice(1)];
  } else {
    r = kindArg(positionals[0]);
    names = positionals.slice(1);
  }
  const client = await ctx.client();
  const errors: unknown[] = [];
  const objs = await objectsToDescribe(ctx, client, r, names, str(values.selector), errors);
  const parts: string[] = [];
  for (const o of objs) {
    if (!o.kind) o.kind = r.kind;
    let rel: Related = {};
    let note = '';
    try {
      rel = await relatedOf(client, o);
    } catch (e) {
      note = `Events:  <cannot list: ${describeError(e)}>\n`;
    }
    parts.push(describeObject(o, rel) + note);
  }
  if (parts.length) ctx.out.write(parts.join('\n\n'));
  else if (names.length === 0) ctx.err.write(`${noResourcesMessage(r, ctx)}\n`);
  for (const e of errors) ctx.err.write(`${describeError(e)}\n`);
  return errors.length ? 1 : 0;
}
