/**
 * `flotctl rollout status|history|undo deployment/NAME`: follow a rollout until it is done, list
 * its revisions (its ReplicaSets), or roll back to an earlier revision's pod template.
 */
import type { ApiClient } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Deployment, ReplicaSet } from '../../api/types.js';
import { durationOption, intOption, parseCommandArgs, str } from './args.js';
import { UserError, typeName, type Context } from './context.js';
import { objectArg } from './object-arg.js';

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';

/** usage is printed by `flotctl rollout -h`. */
export const usage = `Usage:
  flotctl rollout status deployment/NAME [--timeout 5m]   wait until the rollout is complete
  flotctl rollout history deployment/NAME                 list the revisions
  flotctl rollout undo deployment/NAME [--to-revision N]  go back to the previous (or Nth) revision
`;

/** rolloutProgress says whether a deployment's rollout is complete, or what it waits for. */
export function rolloutProgress(d: Readonly<Deployment>): { done: boolean; message: string } {
  const name = d.metadata.name;
  const want = d.spec.replicas ?? 1;
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return { done: false, message: `Waiting for deployment spec update to be observed...` };
  const updated = s.updatedReplicas ?? 0;
  if (updated < want) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...` };
  if ((s.replicas ?? 0) > updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
  if ((s.availableReplicas ?? 0) < updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

async function ownedReplicaSets(client: ApiClient, d: Deployment): Promise<ReplicaSet[]> {
  const all = await client.list<ReplicaSet>('replicasets', { namespace: d.metadata.namespace });
  return all.items
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid && o.controller))
    .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
}

async function status(ctx: Context, client: ApiClient, name: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const d = await client.get<Deployment>('deployments', name, ctx.namespace);
    const p = rolloutProgress(d);
    if (p.message !== last) ctx.out.write(`${p.message}\n`);
    last = p.message;
    if (p.done) return 0;
    if (Date.now() > deadline) {
      ctx.err.write(`error: timed out waiting for the rollout of deployment "${name}" to finish\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function history(ctx: Context, client: ApiClient, name: string): Promise<number> {
  const d = await client.get<Deployment>('deployments', name, ctx.namespace);
  ctx.out.write(`deployment.apps/${name}\nREVISION  CHANGE-CAUSE\n`);
  for (const rs of await ownedReplicaSets(client, d)) {
    const cause = rs.metadata.annotations?.['kubernetes.io/change-cause'] ?? '<none>';
    ctx.out.write(`${(rs.metadata.annotations?.[REVISION] ?? '?').padEnd(10)}${cause}\n`);
  }
  return 0;
}

async function undo(ctx: Context, client: ApiClient, r: ResourceInfo, name: string, toRevision: number | undefined): Promise<number> {
  const d = await client.get<Deployment>('deployments', name, ctx.namespace);
  const sets = await ownedReplicaSets(client, d);
  const current = Number(d.metadata.annotations?.[REVISION] ?? 0);
  const target = toRevision
    ? sets.find((rs) => Number(rs.metadata.annotations?.[REVISION]) === toRevision)
    : [...sets].reverse().find((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0) < current);
  if (!target) throw new UserError(toRevision ? `rollout undo: revision ${toRevision} of deployment "${name}" not found` : `rollout undo: deployment "${name}" has no previous revision`);
  const template = structuredClone(target.spec.template);
  if (template.metadata?.labels) delete template.metadata.labels[HASH];
  d.spec.template = template;
  await client.update('deployments', d);
  ctx.out.write(`${typeName(r, name)} rolled back\n`);
  return 0;
}

/** run dispatches a rollout verb. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = parseCommandArgs('rollout', rest, {
    timeout: { type: 'string' },
    'to-revision': { type: 'string' },
  });
  if (!['status', 'history', 'undo'].includes(verb ?? '')) throw new UserError(`rollout: want status, history or undo\n\n${usage}`);
  const { r, name } = objectArg(`rollout ${verb}`, positionals, ['Deployment']);
  const client = await ctx.client();
  if (verb === 'status') return status(ctx, client, name, durationOption('--timeout', str(values.timeout)) ?? 300_000);
  if (verb === 'history') return history(ctx, client, name);
  return undo(ctx, client, r, name, intOption('--to-revision', str(values['to-revision'])));
}
