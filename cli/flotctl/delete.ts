/**
 * `flotctl delete KIND NAME... | KIND/NAME | -f FILE | KIND -l SEL | KIND --all`: delete, print
 * `pod "x" deleted`, then (like kubectl, unless --wait=false) wait until each object is really gone:
 * a bound pod stays until its node's agent has stopped it.
 */
import { isNotFound, type ApiClient } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';
import { durationOption, intOption, parseCommandArgs, str, strs } from './args.js';
import { kindArg, UserError, type Context } from './context.js';
import { describeError } from './errors.js';
import { waitGone } from './wait.js';
import { loadManifests, manifestName, resourceOfManifest, targetNamespace } from './manifests.js';

/** usage is printed by `flotctl delete -h`. */
export const usage = `Usage: flotctl delete (KIND NAME... | KIND/NAME... | -f FILE | KIND -l SELECTOR | KIND --all) [options]

Delete objects, then wait until they are gone.

Options:
  -f, --filename FILE      delete the objects a manifest names (FILE, DIR or -)
  -l, --selector SEL       delete every object of KIND matching a label selector
      --all                delete every object of KIND in the namespace
      --grace-period N     seconds the pod gets to stop (-1: its own terminationGracePeriodSeconds)
      --now                same as --grace-period=1
      --force              with --grace-period=0: remove at once, without waiting for the node
      --wait=false         do not wait for the objects to be gone
      --timeout DURATION   how long to wait (default 60s)
      --ignore-not-found   a missing object is not an error
`;

/** Target is one object to delete. */
interface Target {
  r: ResourceInfo;
  name: string;
  ns: string | undefined;
}

/** deletedName prints `pod "x"` / `deployment.apps "web"` as kubectl's delete messages do. */
export function deletedName(r: ResourceInfo, name: string): string {
  return `${r.singular}${r.group ? `.${r.group}` : ''} "${name}"`;
}

async function targetsOf(ctx: Context, client: () => Promise<ApiClient>, positionals: string[], opts: {
  files: string[]; selector?: string; all: boolean;
}): Promise<Target[]> {
  if (opts.files.length) {
    if (positionals.length) throw new UserError('delete: give either -f FILE or KIND NAME, not both');
    const manifests = await loadManifests(opts.files, ctx.stdin);
    return manifests.map((m) => {
      const r = resourceOfManifest(m);
      const name = manifestName(m, false) ?? '';
      return { r, name, ns: targetNamespace(m, r, ctx.namespace, ctx.namespaceExplicit) };
    });
  }
  if (positionals.length === 0) throw new UserError('you must provide one or more resources by argument or filename, e.g. `flotctl delete pod web-1` or `flotctl delete -f web.yaml`');
  if (positionals[0].includes('/')) {
    return positionals.map((a) => {
      const i = a.indexOf('/');
      if (i <= 0) throw new UserError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (got "${a}")`);
      const r = kindArg(a.slice(0, i));
      return { r, name: a.slice(i + 1), ns: r.namespaced ? ctx.namespace : undefined };
    });
  }
  const r = kindArg(positionals[0]);
  const ns = r.namespaced && !ctx.allNamespaces ? ctx.namespace : undefined;
  const names = positionals.slice(1);
  if (opts.selector || opts.all) {
    if (names.length) throw new UserError('delete: names cannot be given with --selector or --all');
    const list = await (await client()).list(r, { namespace: ns, labelSelector: opts.selector });
    return list.items.map((o) => ({ r, name: o.metadata.name ?? '', ns: r.namespaced ? o.metadata.namespace : undefined }));
  }
  if (names.length === 0) throw new UserError(`resource(s) were provided, but no name was specified (flotctl delete ${positionals[0]} NAME, or -l SELECTOR, or --all)`);
  return names.map((name) => ({ r, name, ns: r.namespaced ? ctx.namespace : undefined }));
}

/** run deletes the targets, then waits for them unless told not to. */
export async function run(ctx: Context, rawArgs: string[]): Promise<number> {
  const args = rawArgs.map((a) => (a === '--wait=false' ? '--no-wait' : a === '--wait=true' ? '--wait' : a));
  const { values, positionals } = parseCommandArgs('delete', args, {
    filename: { type: 'string', short: 'f', multiple: true },
    selector: { type: 'string', short: 'l' },
    all: { type: 'boolean' },
    'grace-period': { type: 'string' },
    now: { type: 'boolean' },
    force: { type: 'boolean' },
    wait: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
    timeout: { type: 'string' },
    'ignore-not-found': { type: 'boolean' },
  });
  let grace = intOption('--grace-period', str(values['grace-period']));
  if (values.now) {
    if (grace !== undefined) throw new UserError('--now and --grace-period cannot be given together');
    grace = 1;
  }
  if (grace !== undefined && grace < 0) grace = undefined;
  if (grace === 0 && !values.force) grace = 1;
  const timeoutMs = durationOption('--timeout', str(values.timeout)) || 60_000;
  const targets = await targetsOf(ctx, ctx.client, positionals, { files: strs(values.filename), selector: str(values.selector), all: !!values.all });
  if (targets.length === 0) {
    ctx.err.write('No resources found\n');
    return 0;
  }
  const client = await ctx.client();
  let failed = 0;
  const pending: { t: Target; uid?: string }[] = [];
  for (const t of targets) {
    try {
      const res = await client.delete(t.r, t.name, { namespace: t.ns, gracePeriodSeconds: grace });
      ctx.out.write(`${deletedName(t.r, t.name)} deleted\n`);
      const uid = (res as { kind?: string; metadata?: { uid?: string } }).kind !== 'Status' ? (res as { metadata?: { uid?: string } }).metadata?.uid : (res as { details?: { uid?: string } }).details?.uid;
      pending.push({ t, uid });
    } catch (e) {
      if (isNotFound(e) && values['ignore-not-found']) continue;
      failed++;
      ctx.err.write(`${describeError(e)}\n`);
    }
  }
  if (!values['no-wait']) {
    const deadline = Date.now() + timeoutMs;
    for (const { t, uid } of pending) {
      if (!(await waitGone(client, t, uid, deadline))) {
        failed++;
        const what = `${t.r.plural}/${t.name}`;
        const hint = t.r.kind === 'Pod' ? ' (a bound pod goes once its node\'s agent has stopped it; --force --grace-period=0 removes it at once)' : '';
        ctx.err.write(`error: timed out waiting for ${what} to be deleted after ${Math.round(timeoutMs / 1000)}s${hint}\n`);
      }
    }
  }
  return failed ? 1 : 0;
}
