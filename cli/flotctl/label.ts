/**
 * `flotctl label KIND NAME key=value... key-` and `flotctl annotate ...`: set or remove labels or
 * annotations with one merge patch, as kubectl does (`--overwrite` to change an existing value).
 */
import type { KubeObject } from '../../api/types.js';
import { parseCommandArgs } from './args.js';
import { kindArg, splitTypeName, typeName, UserError, type Context } from './context.js';

/** usage is printed by `flotctl label -h`. */
export const usage = `Usage: flotctl label|annotate KIND NAME KEY=VALUE... KEY-... [--overwrite]

Set (KEY=VALUE) or remove (KEY-) labels or annotations of an object.
`;

/** parseChanges turns KEY=VALUE and KEY- arguments into a merge patch map (null removes). */
export function parseChanges(args: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const a of args) {
    if (a.endsWith('-') && !a.includes('=')) out[a.slice(0, -1)] = null;
    else if (a.includes('=')) out[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
    else throw new UserError(`"${a}" is not KEY=VALUE or KEY-`);
  }
  if (Object.keys(out).length === 0) throw new UserError('at least one KEY=VALUE or KEY- is required');
  return out;
}

/** runFor is label or annotate, by which metadata map it changes. */
export async function runFor(what: 'labels' | 'annotations', ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(what === 'labels' ? 'label' : 'annotate', args, { overwrite: { type: 'boolean' } });
  const typed = positionals[0] ? splitTypeName(positionals[0]) : undefined;
  const name = typed ? typed.name : positionals[1];
  if (!positionals[0] || !name) throw new UserError(`give KIND NAME and at least one KEY=VALUE (see flotctl ${what === 'labels' ? 'label' : 'annotate'} -h)`);
  const r = typed?.kind ?? kindArg(positionals[0]);
  const changes = parseChanges(positionals.slice(typed ? 1 : 2));
  const ns = r.namespaced ? ctx.namespace : undefined;
  const client = await ctx.client();
  if (!values.overwrite) {
    const live = await client.get<KubeObject>(r, name, ns);
    const current = live.metadata[what] ?? {};
    for (const [k, v] of Object.entries(changes)) {
      if (v !== null && current[k] !== undefined && current[k] !== v) {
        throw new UserError(`'${k}' already has a value (${current[k]}), and --overwrite is false`);
      }
    }
  }
  await client.patch(r, name, { metadata: { [what]: changes } }, ns);
  ctx.out.write(`${typeName(r, name)} ${what === 'labels' ? 'labeled' : 'annotated'}\n`);
  return 0;
}

/** run sets or removes labels. */
export function run(ctx: Context, args: string[]): Promise<number> {
  return runFor('labels', ctx, args);
}
