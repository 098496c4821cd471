/**
 * `flotctl wait (KIND NAME | KIND/NAME | KIND -l SEL) --for=condition=Ready[=True] | --for=delete
 * [--timeout 30s]`: blocks until every object meets the condition, as `kubectl wait` does; the
 * exit code says whether they all did in time.
 */
import { isNotFound, type ApiClient } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { durationOption, parseCommandArgs, str } from './args.js';
import { kindArg, splitTypeName, typeName, UserError, type Context } from './context.js';

/** usage is printed by `flotctl wait -h`. */
export const usage = `Usage: flotctl wait (KIND NAME... | KIND/NAME... | KIND -l SELECTOR) --for=CONDITION [--timeout 30s]

Wait until objects meet a condition.

  --for=condition=Ready          a status.conditions entry of that type is True (or =VALUE)
  --for=delete                   the objects are gone
  --for=jsonpath={.status.phase}=Running   a field has a value
`;

/** WaitFor is what to wait for, parsed from --for. */
export type WaitFor = { kind: 'delete' } | { kind: 'condition'; type: string; status: string } | { kind: 'jsonpath'; path: string; value: string };

/** parseWaitFor reads a --for value. */
export function parseWaitFor(v: string | undefined): WaitFor {
  if (!v) throw new UserError('wait: --for is required (--for=condition=Ready, --for=delete or --for=jsonpath={.status.phase}=Running)');
  if (v === 'delete') return { kind: 'delete' };
  if (v.startsWith('condition=')) {
    const [type, status = 'True'] = v.slice('condition='.length).split('=');
    if (!type) throw new UserError(`wait: --for=${v} names no condition`);
    return { kind: 'condition', type: type.toLowerCase(), status: status.toLowerCase() };
  }
  const m = /^jsonpath=(\{.*\})=(.*)$/.exec(v);
  if (m) return { kind: 'jsonpath', path: m[1], value: m[2] };
  throw new UserError(`wait: unrecognized --for "${v}" (condition=TYPE[=STATUS], delete, jsonpath={PATH}=VALUE)`);
}

/** meets tells whether an object meets a condition or jsonpath requirement. */
export async function meets(o: KubeObject, f: WaitFor): Promise<boolean> {
  if (f.kind === 'condition') {
    const conds = (o as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
    return conds.some((c) => c.type.toLowerCase() === f.type && c.status.toLowerCase() === f.status);
  }
  if (f.kind === 'jsonpath') {
    const { jsonPath } = await import('./jsonpath.js');
    return jsonPath(f.path, o) === f.value;
  }
  return false;
}

async function targets(ctx: Context, client: ApiClient, positionals: string[], selector: string | undefined): Promise<{ r: ResourceInfo; name: string }[]> {
  if (positionals.length === 0) throw new UserError('wait: give KIND NAME, KIND/NAME or KIND -l SELECTOR');
  if (positionals[0].includes('/')) {
    return positionals.map((a) => {
      const typed = splitTypeName(a);
      if (!typed) throw new UserError(`wait: "${a}" is not KIND/NAME (when the first object is KIND/NAME, all are)`);
      return { r: typed.kind, name: typed.name };
    });
  }
  const r = kindArg(positionals[0]);
  if (selector) {
    const list = await client.list(r, { namespace: r.namespaced ? ctx.namespace : undefined, labelSelector: selector });
    return list.items.map((o) => ({ r, name: o.metadata.name ?? '' }));
  }
  if (positionals.length < 2) throw new UserError(`wait: give the name of the ${r.singular} (or -l SELECTOR)`);
  return positionals.slice(1).map((name) => ({ r, name }));
}

/** waitGone polls until an object is gone (or replaced by one with another uid); false when the deadline passes first. */
export async function waitGone(client: ApiClient, t: { r: ResourceInfo; name: string; ns: string | undefined }, uid: string | undefined, deadline: number): Promise<boolean> {
  for (;;) {
    try {
      const o = await client.get(t.r, t.name, t.ns);
      if (uid && o.metadata.uid && o.metadata.uid !== uid) return true;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
    if (Date.now() >= deadline) return false;
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** waitMet polls an object until it meets the condition; false when the deadline passes first (a missing object is an error). */
async function waitMet(client: ApiClient, r: ResourceInfo, name: string, ns: string | undefined, f: WaitFor, deadline: number): Promise<boolean> {
  for (;;) {
    if (await meets(await client.get(r, name, ns), f)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** run polls every object until it meets the condition or the timeout passes. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('wait', args, {
    for: { type: 'string' },
    timeout: { type: 'string' },
    selector: { type: 'string', short: 'l' },
  });
  const f = parseWaitFor(str(values.for));
  const timeoutMs = durationOption('--timeout', str(values.timeout)) ?? 30_000;
  const client = await ctx.client();
  const list = await targets(ctx, client, positionals, str(values.selector));
  if (list.length === 0) throw new UserError('no matching resources found');
  const deadline = Date.now() + timeoutMs;
  let failed = 0;
  for (const { r, name } of list) {
    const ns = r.namespaced ? ctx.namespace : undefined;
    const done = f.kind === 'delete' ? await waitGone(client, { r, name, ns }, undefined, deadline) : await waitMet(client, r, name, ns, f, deadline);
    if (done) {
      ctx.out.write(`${typeName(r, name)} ${f.kind === 'delete' ? 'deleted' : 'condition met'}\n`);
    } else {
      failed++;
      ctx.err.write(`error: timed out waiting for the condition on ${r.plural}/${name}\n`);
    }
  }
  return failed ? 1 : 0;
}
