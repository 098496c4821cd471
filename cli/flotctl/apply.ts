/**
 * `flotctl apply -f FILE|DIR|-`: for each object, create it when absent, else update it (carrying the
 * live resourceVersion, retrying once on a conflict) unless nothing it sets has changed. Prints
 * `pod/x created|configured|unchanged`. Objects are done in file order; a failure of one is
 * reported and the others still go; the exit code is 1 when any failed.
 */
import { isConflict, isNotFound, type ApiClient } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { parseCommandArgs, strs } from './args.js';
import { desiredWithAnnotation, planApply } from './apply-plan.js';
import { typeName, type Context } from './context.js';
import { describeError } from './errors.js';
import { loadManifests, manifestName, resourceOfManifest, targetNamespace, type Manifest } from './manifests.js';

/** usage is printed by `flotctl apply -h`. */
export const usage = `Usage: flotctl apply -f FILE|DIR|- [-f ...] [-n NS]

Create or update the objects of multi-document YAML or JSON manifests.
Prints KIND/NAME created, configured or unchanged for each object.
`;

/** ApplyResult is what happened to one object. */
export type ApplyResult = 'created' | 'configured' | 'unchanged';

/** applyOne creates or updates one manifest's object. */
export async function applyOne(client: ApiClient, r: ResourceInfo, obj: KubeObject, ns: string | undefined): Promise<ApplyResult> {
  const name = obj.metadata.name ?? '';
  for (let attempt = 0; ; attempt++) {
    let live: KubeObject | undefined;
    try {
      live = await client.get(r, name, ns);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (!live) {
      await client.create(r, desiredWithAnnotation(obj), ns);
      return 'created';
    }
    const plan = planApply(obj, live);
    if (plan.action === 'unchanged') return 'unchanged';
    try {
      await client.update(r, plan.object);
      return 'configured';
    } catch (e) {
      if (!isConflict(e) || attempt >= 1) throw e;
    }
  }
}

/** checkManifests resolves every manifest's resource and namespace before anything is sent. */
export function checkManifests(ctx: Context, manifests: Manifest[], allowGenerate: boolean): { m: Manifest; r: ResourceInfo; ns: string | undefined }[] {
  return manifests.map((m) => {
    const r = resourceOfManifest(m);
    manifestName(m, allowGenerate);
    const ns = targetNamespace(m, r, ctx.namespace, ctx.namespaceExplicit);
    return { m, r, ns };
  });
}

/** run applies every object of every -f argument. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('apply', args, {
    filename: { type: 'string', short: 'f', multiple: true },
  });
  if (positionals.length) ctx.err.write(`warning: ignoring arguments ${positionals.join(' ')} (apply takes -f)\n`);
  const manifests = await loadManifests(strs(values.filename), ctx.stdin);
  const todo = checkManifests(ctx, manifests, false);
  const client = await ctx.client();
  let failed = 0;
  for (const { m, r, ns } of todo) {
    try {
      const result = await applyOne(client, r, m.object, ns);
      ctx.out.write(`${typeName(r, m.object.metadata.name ?? '')} ${result}\n`);
    } catch (e) {
      failed++;
      ctx.err.write(`${describeError(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}
