/**
 * `flotctl describe KIND [NAME...]`: each object in detail, followed by its events (events whose
 * involvedObject is the object, found with a field selector, or filtered here when the server does
 * not support that selector).
 */
import type { ApiClient } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Event, KubeObject } from '../../api/types.js';
import { parseCommandArgs, str } from './args.js';
import { kindArg, UserError, type Context } from './context.js';
import { describeObject, eventsSection } from './describe-format.js';
import { describeError } from './errors.js';
import { noResourcesMessage } from './get.js';

/** usage is printed by `flotctl describe -h`. */
export const usage = `Usage: flotctl describe KIND [NAME...] [-l SELECTOR] [-n NS | -A]

Show objects in detail, with their events.
`;

/** eventsFor finds the events about one object, newest last. */
export async function eventsFor(client: ApiClient, o: KubeObject): Promise<Event[]> {
  const name = o.metadata.name ?? '';
  const ns = o.metadata.namespace || 'default';
  const matches = (e: Event): boolean => e.involvedObject?.name === name && (!e.involvedObject.kind || e.involvedObject.kind === o.kind)
    && (!e.involvedObject.uid || !o.metadata.uid || e.involvedObject.uid === o.metadata.uid);
  try {
    const list = await client.list<Event>('events', { namespace: ns, fieldSelector: `involvedObject.name=${name}` });
    return list.items.filter(matches);
  } catch (e) {
    const code = (e as { httpStatus?: number }).httpStatus;
    if (code !== 400 && code !== 422) throw e;
  }
  const all = await client.list<Event>('events', { namespace: ns });
  return all.items.filter(matches);
}

async function objectsToDescribe(ctx: Context, client: ApiClient, r: ResourceInfo, names: string[], selector: string | undefined, errors: unknown[]): Promise<KubeObject[]> {
  const ns = r.namespaced && !ctx.allNamespaces ? ctx.namespace : undefined;
  if (names.length === 0) {
    const list = await client.list(r, { namespace: ns, labelSelector: selector });
    return list.items;
  }
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
  if (positionals[0].includes('/')) {
    const [kind, name] = positionals[0].split('/', 2);
    r = kindArg(kind);
    names = [name, ...positionals.slice(1)];
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
    let text = describeObject(o).toString();
    try {
      text += eventsSection(await eventsFor(client, o));
    } catch (e) {
      text += `Events:  <error: ${describeError(e)}>\n`;
    }
    parts.push(text);
  }
  if (parts.length) ctx.out.write(parts.join('\n\n'));
  else if (names.length === 0) ctx.err.write(`${noResourcesMessage(r, ctx)}\n`);
  for (const e of errors) ctx.err.write(`${describeError(e)}\n`);
  return errors.length ? 1 : 0;
}
