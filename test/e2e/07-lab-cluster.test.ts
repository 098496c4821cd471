/**
 * The whole story on a 3-node lab: a Deployment spread 2/2/2, a rolling update that keeps
 * availability, scaling, a node killed and its pods replaced, the node back and its stale pods
 * cleaned, cross-node pod networking, and nothing left after `lab down`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ApiClient } from '../../api/client.js';
import type { Deployment, Node, Pod } from '../../api/types.js';
import { crossNodeFetch } from '../../lab/cross-node-fetch.js';
import { waitFor } from '../../lab/exec.js';
import { killNode, labClient, labDown, labUp, reviveNode, type LabState } from '../../lab/lab.js';
import { requireRoot } from '../helpers/root.js';

const isRoot = process.getuid?.() === 0;
let state: LabState | undefined;
let client: ApiClient;
const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-lab-e2e-'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function webPods(): Promise<Pod[]> {
  return (await client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items;
}

const isReady = (p: Pod) => !p.metadata.deletionTimestamp && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

async function waitReady(n: number, timeoutMs: number, what = `${n} Ready web pods`): Promise<Pod[]> {
  return waitFor(what, timeoutMs, async () => {
    const pods = await webPods();
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const ready = live.filter(isReady);
    return ready.length === n && live.length === n ? ready : undefined;
  }, 500);
}

before(async () => {
  if (!isRoot) return;
  state = await labUp({ nodes: 3, dataDir, port: await freePort(), log: (l) => console.log(l) });
  client = labClient(state);
  const manifest = parse(readFileSync(new URL('../../../examples/web-deployment.yaml', import.meta.url), 'utf8')) as Deployment;
  await client.create('deployments', manifest, 'default');
});

after(async () => {
  client?.close();
  if (isRoot) await labDown({ dataDir, nodes: 3, log: (l) => console.log(l) });
});

test('six replicas run, spread 2/2/2 over the three nodes', { timeout: 180_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const pods = await waitReady(6, 150_000);
  const perNode = new Map<string, number>();
  for (const p of pods) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + 1);
  assert.deepEqual([...perNode.values()].sort(), [2, 2, 2], `spread: ${JSON.stringify(Object.fromEntries(perNode))}`);
  assert.equal(new Set(pods.map((p) => p.status?.podIP)).size, 6, 'every pod has its own IP');
});

test('a pod fetches a page from a pod on another node by pod IP', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const r = await crossNodeFetch(state!);
  assert.notEqual(r.from.node, r.to.node);
  assert.equal(r.exitCode, 0, `wget failed: ${r.body}`);
  assert.match(r.body, /<html|flotilla|busybox/i);
});

test('a rolling update keeps at least replicas - maxUnavailable Ready and ends on the new ReplicaSet', { timeout: 240_000 }, async (t) => {
  if (!requireRoot(t)) return;
  // Every pod change is seen through a watch: a rollout of a few hundred ms would slip between polls.
  const list = await client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' });
  const pods = new Map(list.items.map((p) => [p.metadata.name!, p]));
  let minReady = [...pods.values()].filter(isReady).length;
  let changes = 0;
  const watch = client.watch<Pod>('pods', { namespace: 'default', labelSelector: 'app=web', resourceVersion: list.metadata.resourceVersion }, (e) => {
    if (e.type === 'DELETED') pods.delete(e.object.metadata.name!);
    else if (e.type === 'ADDED' || e.type === 'MODIFIED') pods.set(e.object.metadata.name!, e.object);
    else return;
    changes++;
    minReady = Math.min(minReady, [...pods.values()].filter(isReady).length);
  });
  try {
    const d = await client.get<Deployment>('deployments', 'web', 'default');
    d.spec.template.spec.containers[0].image = 'busybox:v2';
    await client.update('deployments', d);
    await waitFor('the rollout to busybox:v2 to finish', 200_000, async () => {
      const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
      const done = live.length === 6 && live.filter(isReady).length === 6 && live.every((p) => p.spec.containers[0].image === 'busybox:v2');
      return done || undefined;
    }, 100);
  } finally {
    watch.stop();
  }
  assert.ok(changes >= 12, `the watch saw the six new pods start and the six old ones go (${changes} changes)`);
  assert.ok(minReady >= 5, `Ready pods fell to ${minReady} during the rollout (minimum 6 - maxUnavailable 1 = 5)`);
  const dep = await waitFor('deployment status to show 6 updated replicas', 30_000, async () => {
    const x = await client.get<Deployment>('deployments', 'web', 'default');
    return x.status?.updatedReplicas === 6 && x.status.availableReplicas === 6 ? x : undefined;
  });
  assert.equal(dep.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
});

test('scale 6 → 12 → 2', { timeout: 240_000 }, async (t) => {
  if (!requireRoot(t)) return;
  await client.scale('deployments', 'web', 12, 'default');
  await waitReady(12, 150_000);
  await client.scale('deployments', 'web', 2, 'default');
  await waitReady(2, 90_000);
  await client.scale('deployments', 'web', 6, 'default');
  await waitReady(6, 120_000);
});

test('a killed, cut-off node goes NotReady, its pods are replaced, and it rejoins cleanly', { timeout: 420_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const victim = 'lab-node-3';
  const before = (await webPods()).filter((p) => p.spec.nodeName === victim && !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
  const killedAt = Date.now();
  await killNode(state!, victim);
  await waitFor(`${victim} to become NotReady`, 90_000, async () => {
    const n = await client.get<Node>('nodes', victim);
    return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True') || undefined;
  }, 1000);
  console.log(`${victim} NotReady ${((Date.now() - killedAt) / 1000).toFixed(0)} s after it was killed`);
  const pods = await waitFor('6 Ready web pods on the remaining nodes', 180_000, async () => {
    const ready = (await webPods()).filter((p) => isReady(p) && p.spec.nodeName !== victim);
    return ready.length === 6 ? ready : undefined;
  }, 1000);
  const recoveredS = (Date.now() - killedAt) / 1000;
  console.log(`deployment back to 6 Ready pods ${recoveredS.toFixed(0)} s after the node was killed`);
  // The bound: 40 s to NotReady + 60 s to eviction leave 20 s to start the replacements.
  assert.ok(recoveredS <= 120, `recovery took ${recoveredS.toFixed(0)} s (more than 2 minutes)`);
  assert.ok(pods.every((p) => p.spec.nodeName !== victim));

  await reviveNode(state!, victim);
  await waitFor(`${victim} to be Ready again`, 90_000, async () => {
    const n = await client.get<Node>('nodes', victim);
    return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') || undefined;
  }, 1000);
  await waitFor(`the stale pods of ${victim} to be cleaned up`, 90_000, async () => {
    const left = (await webPods()).filter((p) => before.includes(p.metadata.name));
    return left.length === 0 || undefined;
  }, 1000);
});

test('lab down leaves no netns, veth, bridge, cgroup, mount or process behind', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const pids = [state!.serverPid, ...state!.nodes.flatMap((n) => [n.agentPid, n.runtimePid])];
  client.close();
  await labDown({ dataDir, nodes: 3 });
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.doesNotMatch(netns, /flotilla-lab-/);
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  assert.doesNotMatch(links, /fltlab/);
  assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(dataDir));
  for (const root of ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/pids', '/sys/fs/cgroup/cpu', '/sys/fs/cgroup']) {
    assert.ok(!existsSync(join(root, 'flotilla-lab')), `cgroup ${root}/flotilla-lab remains`);
  }
  for (const pid of pids) assert.ok(!pid || !existsSync(`/proc/${pid}`), `process ${pid} remains`);
  // A shim that has exited may stay a zombie for a moment until init reaps it: only live ones count.
  const shims = execFileSync('ps', ['-eo', 'stat=,comm='], { encoding: 'utf8' }).split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([stat, comm]) => comm?.startsWith('flotilla-shim') && !stat.startsWith('Z'));
  assert.deepEqual(shims, [], 'no shim process remains');
});
