/**
 * `flotctl scale KIND/NAME --replicas N`: sets spec.replicas through the scale subresource.
 */
import { intOption, parseCommandArgs, str } from './args.js';
import { UserError, typeName, type Context } from './context.js';
import { objectArg } from './object-arg.js';

/** usage is printed by `flotctl scale -h`. */
export const usage = `Usage: flotctl scale (deployment|replicaset)/NAME --replicas N [-n NS]

Set the number of replicas of a Deployment or ReplicaSet.
`;

/** run scales one object. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('scale', args, { replicas: { type: 'string' } });
  const replicas = intOption('--replicas', str(values.replicas));
  if (replicas === undefined || replicas < 0) throw new UserError('scale: --replicas N is required (N ≥ 0)');
  const { r, name } = objectArg('scale', positionals, ['Deployment', 'ReplicaSet']);
  const client = await ctx.client();
  await client.scale(r, name, replicas, ctx.namespace);
  ctx.out.write(`${typeName(r, name)} scaled\n`);
  return 0;
}
