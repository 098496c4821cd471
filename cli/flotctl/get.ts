/**
 * `flotctl get KIND [NAME...]`: the server prints the Table (so flotctl and kubectl show the same
 * columns); flotctl aligns it. `-o yaml|json|name` print the objects, `-w` keeps watching and
 * prints a row per change.
 */
import type { ApiClient } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject, Table } from '../../api/types.js';
import { parseCommandArgs, str } from './args.js';
import { kindArg, UserError, type Context } from './context.js';
import { describeError } from './errors.js';
import { formatObjects, outputFormat, type OutputFormat } from './output.js';
import { formatTable } from './table-format.js';
import { watchRows } from './get-watch.js';

/** usage is printed by `flotctl get -h`. */
export const usage = `Usage: flotctl get KIND [NAME...] [options]

Print objects. KIND is a plural, singular or short name (pods, pod, po; nodes; deployments ...).

Options:
  -o, --output FORMAT      wide | yaml | json | name | jsonpath=TEMPLATE
  -l, --selector SELECTOR  label selector (app=web,tier!=db)
      --field-selector SEL field selector (spec.nodeName=node-1, status.phase=Running)
  -w, --watch              after printing, print a line for every change
      --no-headers         leave out the header line
  -n NS, -A                one namespace (default "default"), or all
`;

/** noResourcesMessage is kubectl's wording for an empty answer. */
export function noResourcesMessage(r: ResourceInfo, ctx: Context): string {
  if (!r.namespaced || ctx.allNamespaces) return 'No resources found';
  return `No resources found in ${ctx.namespace} namespace.`;
}

function parseTarget(args: string[]): { r: ResourceInfo; names: string[] } {
  if (args.length === 0) throw new UserError('you must specify the type of resource to get, e.g. `flotctl get pods`');
  const first = args[0];
  if (first.includes('/')) {
    const i = first.indexOf('/');
    const r = kindArg(first.slice(0, i));
    const names = [first.slice(i + 1)];
    for (const a of args.slice(1)) {
      const j = a.indexOf('/');
      if (j <= 0 || kindArg(a.slice(0, j)) !== r) throw new UserError(`all arguments must be of the form ${first.slice(0, i)}/NAME when the first is`);
      names.push(a.slice(j + 1));
    }
    return { r, names };
  }
  return { r: kindArg(first), names: args.slice(1) };
}

async function tableFor(client: ApiClient, r: ResourceInfo, ns: string | undefined, names: string[], opts: {
  labelSelector?: string; fieldSelector?: string; wide: boolean;
}, errors: unknown[]): Promise<Table | undefined> {
  if (names.length === 0) return client.table(r, { namespace: ns, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, wide: opts.wide });
  let merged: Table | undefined;
  for (const name of names) {
    try {
      const t = await client.table(r, { namespace: ns, name, wide: opts.wide });
      if (!merged) merged = t;
      else merged.rows.push(...t.rows);
    } catch (e) {
      errors.push(e);
    }
  }
  return merged;
}

async function objectsFor(client: ApiClient, r: ResourceInfo, ns: string | undefined, names: string[], opts: {
  labelSelector?: string; fieldSelector?: string;
}, errors: unknown[]): Promise<{ items: KubeObject[]; resourceVersion?: string }> {
  if (names.length === 0) {
    const list = await client.list(r, { namespace: ns, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion };
  }
  const items: KubeObject[] = [];
  for (const name of names) {
    try {
      items.push(await client.get(r, name, ns));
    } catch (e) {
      errors.push(e);
    }
  }
  return { items };
}

/** run prints the objects and returns 1 when any asked-for name was missing. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('get', args, {
    output: { type: 'string', short: 'o' },
    selector: { type: 'string', short: 'l' },
    'field-selector': { type: 'string' },
    watch: { type: 'boolean', short: 'w' },
    'no-headers': { type: 'boolean' },
  });
  const format: OutputFormat = outputFormat(str(values.output));
  if (positionals[0]?.includes(',')) {
    // `get pods,nodes`: one table per kind, a blank line between, as kubectl prints them.
    if (positionals.length > 1 || values.watch) throw new UserError('names and --watch need a single kind, not a list of kinds');
    let code = 0;
    let first = true;
    for (const kind of positionals[0].split(',').filter(Boolean)) {
      if (!first && (format === undefined || format === 'wide')) ctx.out.write('\n');
      first = false;
      code = Math.max(code, await run(ctx, [...args.filter((a) => a !== positionals[0]), kind]));
    }
    return code;
  }
  const { r, names } = parseTarget(positionals);
  if (ctx.allNamespaces && names.length) throw new UserError('a resource cannot be retrieved by name across all namespaces');
  if (values.watch && names.length > 1) throw new UserError('watch is only supported on individual resources and resource collections, but 2 or more resources were given');
  const ns = r.namespaced && !ctx.allNamespaces ? ctx.namespace : undefined;
  const sel = { labelSelector: str(values.selector), fieldSelector: str(values['field-selector']) };
  const client = await ctx.client();
  const errors: unknown[] = [];
  let resourceVersion: string | undefined;
  const withNamespace = ctx.allNamespaces && r.namespaced;

  let initial: Table | undefined;
  if (format === undefined || format === 'wide') {
    const t = await tableFor(client, r, ns, names, { ...sel, wide: format === 'wide' }, errors);
    resourceVersion = t?.metadata?.resourceVersion;
    initial = t;
    if (t && t.rows.length) {
      const lines = formatTable(t, { withNamespace, noHeaders: !!values['no-headers'] });
      ctx.out.write(lines.join('\n') + '\n');
    } else if (names.length === 0 && !values.watch) {
      ctx.err.write(`${noResourcesMessage(r, ctx)}\n`);
    }
  } else {
    const got = await objectsFor(client, r, ns, names, sel, errors);
    resourceVersion = got.resourceVersion;
    if (got.items.length) ctx.out.write(await formatObjects(r, got.items, format, names.length === 1));
    else if (names.length === 0 && format !== 'name' && !values.watch) ctx.err.write(`${noResourcesMessage(r, ctx)}\n`);
  }
  for (const e of errors) ctx.err.write(`${describeError(e)}\n`);
  if (errors.length) return 1;
  if (!values.watch) return 0;
  await watchRows(ctx, client, r, {
    namespace: ns, name: names[0], ...sel, resourceVersion, format, withNamespace, initial, noHeaders: !!values['no-headers'],
  });
  return 0;
}
