/**
 * `flotctl cordon NODE` / `flotctl uncordon NODE`: mark a node (un)schedulable through
 * spec.unschedulable, as kubectl does; the scheduler then places no new pods there.
 */
import type { Node } from '../../api/types.js';
import { UserError, type Context } from './context.js';

/** usage is printed by `flotctl cordon -h`. */
export const usage = 'Usage: flotctl cordon|uncordon NODE...\n\nMark nodes unschedulable (cordon) or schedulable again (uncordon).\n';

/** setUnschedulable patches each node and prints `node/x cordoned` or `already cordoned`. */
export async function setUnschedulable(ctx: Context, args: string[], unschedulable: boolean): Promise<number> {
  const names = args.map((a) => (a.includes('/') ? a.slice(a.indexOf('/') + 1) : a));
  if (names.length === 0) throw new UserError(`give the node to ${unschedulable ? 'cordon' : 'uncordon'}`);
  const client = await ctx.client();
  const verb = unschedulable ? 'cordoned' : 'uncordoned';
  for (const name of names) {
    const node = await client.get<Node>('nodes', name);
    if (!!node.spec?.unschedulable === unschedulable) {
      ctx.out.write(`node/${name} already ${verb}\n`);
      continue;
    }
    await client.patch('nodes', name, { spec: { unschedulable: unschedulable ? true : null } });
    ctx.out.write(`node/${name} ${verb}\n`);
  }
  return 0;
}

/** run cordons the nodes. */
export function run(ctx: Context, args: string[]): Promise<number> {
  return setUnschedulable(ctx, args, true);
}
