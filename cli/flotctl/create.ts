/**
 * `flotctl create -f FILE|DIR|-`: create every object (generateName allowed); an existing name is
 * an AlreadyExists error for that object, and the others still go.
 */
import { parseCommandArgs, strs } from './args.js';
import { checkManifests } from './apply.js';
import { UserError, typeName, type Context } from './context.js';
import { describeError } from './errors.js';
import { loadManifests } from './manifests.js';

/** usage is printed by `flotctl create -h`. */
export const usage = `Usage: flotctl create -f FILE|DIR|- [-f ...] [-n NS]

Create the objects of multi-document YAML or JSON manifests. Prints KIND/NAME created.
`;

/** run creates every object of every -f argument. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('create', args, {
    filename: { type: 'string', short: 'f', multiple: true },
  });
  if (positionals.length) throw new UserError(`create: unexpected arguments ${positionals.join(' ')} (create takes -f FILE)`);
  const todo = checkManifests(ctx, await loadManifests(strs(values.filename), ctx.stdin), true);
  const client = await ctx.client();
  let failed = 0;
  for (const { m, r, ns } of todo) {
    try {
      const made = await client.create(r, m.object, ns);
      ctx.out.write(`${typeName(r, made.metadata?.name ?? m.object.metadata.name ?? '')} created\n`);
    } catch (e) {
      failed++;
      ctx.err.write(`${describeError(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}
