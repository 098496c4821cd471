/**
 * `flotctl drain NODE [--force] [--grace-period N] [--timeout 2m]`: cordon the node, then delete its
 * pods and wait until they are gone, as kubectl drain does (by deletion: Flotilla has no eviction
 * API). Pods without a controlling owner would not come back elsewhere, so they need --force.
 */
import { isNotFound } from '../../api/client.js';
import { resourceByKind } from '../../api/resources.js';
import type { Pod } from '../../api/types.js';
import { durationOption, intOption, parseCommandArgs, str } from './args.js';
import { UserError, type Context } from './context.js';
import { setUnschedulable } from './cordon.js';
import { waitGone } from './wait.js';

const PODS = resourceByKind('Pod')!;

/** usage is printed by `flotctl drain -h`. */
export const usage = `Usage: flotctl drain NODE [--force] [--grace-period N] [--timeout 2m]

Cordon a node and delete its pods, waiting until they are gone.
  --force            also delete pods that no controller would recreate
  --grace-period N   seconds each pod gets to stop (default: the pod's own)
  --timeout D        how long to wait for the pods to go (default 2m)
`;

/** run drains one node. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('drain', args, {
    force: { type: 'boolean' },
    'grace-period': { type: 'string' },
    timeout: { type: 'string' },
    'ignore-daemonsets': { type: 'boolean' },
    'delete-emptydir-data': { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UserError('drain: give exactly one NODE');
  const node = positionals[0].replace(/^(node|nodes|no)\//, '');
  const grace = intOption('--grace-period', str(values['grace-period']));
  const timeoutMs = durationOption('--timeout', str(values.timeout)) ?? 120_000;
  const client = await ctx.client();
  await setUnschedulable(ctx, [node], true);
  const all = (await client.list<Pod>('pods', { fieldSelector: `spec.nodeName=${node}` })).items.filter((p) => p.spec.nodeName === node);
  const unmanaged = all.filter((p) => !p.metadata.ownerReferences?.some((o) => o.controller));
  if (unmanaged.length && !values.force) {
    const names = unmanaged.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ');
    throw new UserError(`unable to drain node "${node}" due to error: cannot delete Pods that declare no controller (use --force to override): ${names}`);
  }
  for (const p of all) {
    ctx.out.write(`evicting pod ${p.metadata.namespace}/${p.metadata.name}\n`);
    try {
      await client.delete('pods', p.metadata.name ?? '', { namespace: p.metadata.namespace, gracePeriodSeconds: grace !== undefined && grace >= 0 ? grace : undefined });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const p of all) {
    if (!(await waitGone(client, { r: PODS, name: p.metadata.name ?? '', ns: p.metadata.namespace }, p.metadata.uid, deadline))) {
      ctx.err.write(`error: unable to drain node "${node}": pod ${p.metadata.namespace}/${p.metadata.name} still present after ${Math.round(timeoutMs / 1000)}s (is the node's agent running?)\n`);
      return 1;
    }
    ctx.out.write(`pod/${p.metadata.name} evicted\n`);
  }
  ctx.out.write(`node/${node} drained\n`);
  return 0;
}
