/**
 * The controllers against a real control plane (etcd + HTTPS API server). No agents run here, so
 * the test plays the kubelet's part where it must: it marks pods Running and Ready through the
 * status subresource, as an agent would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../api/client.js';
import { Informer } from '../../api/informer.js';
import type { Deployment, Node, Pod, ReplicaSet } from '../../api/types.js';
import { runControllers, type RunningControllers } from '../../controllers/run.js';
import { waitFor } from '../../lab/exec.js';
import { startControlPlane } from '../helpers/control-plane.js';

let cp: Awaited<ReturnType<typeof startControlPlane>>;
let client: ApiClient;
let controllers: RunningControllers;
let kubelet: Informer<Pod>;

before(async () => {
  cp = await startControlPlane();
  client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  // Short node timings so the node lifecycle test takes seconds (the defaults are Kubernetes' 40 s and 60 s).
  controllers = await runControllers({ client, nodeLifecycle: { periodMs: 250, graceMs: 3_000, evictionMs: 3_000 } });
  // A stand-in kubelet: every pod that appears is reported Running and Ready.
  kubelet = new Informer<Pod>(client, 'pods');
  const markReady = (p: Readonly<Pod>) => {
    if (p.status?.phase === 'Running' || p.metadata.deletionTimestamp) return;
    const copy = structuredClone(p) as Pod;
    const now = new Date().toISOString();
    copy.status = { ...copy.status, phase: 'Running', podIP: '10.244.0.9', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
    client.updateStatus('pods', copy).catch(() => undefined);
  };
  kubelet.on('add', markReady).on('update', (_o, p) => markReady(p));
  await kubelet.start();
});

after(async () => {
  kubelet?.stop();
  await controllers?.stop();
  client?.close();
  await cp?.stop();
});

function deployment(name: string, replicas: number, image: string): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}

const livePods = async (app: string) =>
  (await client.list<Pod>('pods', { namespace: 'default', labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);

test('a Deployment makes a ReplicaSet, which makes owned pods, and status follows', { timeout: 60_000 }, async () => {
  await client.create('deployments', deployment('web', 3, 'busybox:1'));
  const pods = await waitFor('3 pods of web', 30_000, async () => {
    const p = await livePods('web');
    return p.length === 3 ? p : undefined;
  });
  const rsName = pods[0].metadata.ownerReferences?.[0]?.name;
  assert.ok(pods.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.metadata.ownerReferences[0].controller));
  const rs = await client.get<ReplicaSet>('replicasets', rsName!, 'default');
  assert.equal(rs.metadata.ownerReferences?.[0]?.kind, 'Deployment');
  assert.match(rs.metadata.name!, /^web-[a-z0-9]+$/);
  await waitFor('deployment status to show 3 available', 30_000, async () => {
    const d = await client.get<Deployment>('deployments', 'web', 'default');
    return d.status?.availableReplicas === 3 && d.status.updatedReplicas === 3 || undefined;
  });
});

test('a rolling update moves every pod to the new template and keeps the old set as history', { timeout: 60_000 }, async () => {
  const d = await client.get<Deployment>('deployments', 'web', 'default');
  d.spec.template.spec.containers[0].image = 'busybox:2';
  await client.update('deployments', d);
  await waitFor('3 pods on busybox:2 and none on busybox:1', 40_000, async () => {
    const p = await livePods('web');
    return p.length === 3 && p.every((x) => x.spec.containers[0].image === 'busybox:2') || undefined;
  });
  const sets = (await client.list<ReplicaSet>('replicasets', { namespace: 'default', labelSelector: 'app=web' })).items;
  assert.equal(sets.length, 2);
  const revs = sets.map((s) => [s.spec.template.spec.containers[0].image, s.spec.replicas, s.metadata.annotations?.['deployment.kubernetes.io/revision']]);
  assert.deepEqual(revs.sort(), [['busybox:1', 0, '1'], ['busybox:2', 3, '2']]);
});

test('scaling through the scale subresource adds and removes pods', { timeout: 60_000 }, async () => {
  await client.scale('deployments', 'web', 5, 'default');
  await waitFor('5 pods', 30_000, async () => ((await livePods('web')).length === 5 || undefined));
  await client.scale('deployments', 'web', 1, 'default');
  await waitFor('1 pod', 30_000, async () => ((await livePods('web')).length === 1 || undefined));
});

test('a ReplicaSet adopts a matching orphan pod instead of creating one more', { timeout: 30_000 }, async () => {
  await client.create<Pod>('pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'default', labels: { app: 'solo' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  await client.create<ReplicaSet>('replicasets', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'solo', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'solo' } }, template: { metadata: { labels: { app: 'solo' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  const pods = await waitFor('2 pods of solo', 20_000, async () => {
    const p = await livePods('solo');
    return p.length === 2 && p.every((x) => x.metadata.ownerReferences?.length) ? p : undefined;
  });
  assert.ok(pods.some((p) => p.metadata.name === 'orphan'), 'the orphan was adopted');
});

test('deleting a Deployment deletes its ReplicaSets and pods (cascading garbage collection)', { timeout: 60_000 }, async () => {
  await client.delete('deployments', 'web', { namespace: 'default' });
  await waitFor('web ReplicaSets and pods to be gone', 40_000, async () => {
    const sets = (await client.list<ReplicaSet>('replicasets', { namespace: 'default', labelSelector: 'app=web' })).items;
    const pods = (await client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items;
    return sets.length === 0 && pods.length === 0 || undefined;
  });
});

test('a Foreground delete keeps the Deployment until its ReplicaSets and pods are gone', { timeout: 60_000 }, async () => {
  await client.create('deployments', deployment('fg', 3, 'busybox:1'), 'default');
  await waitFor('3 fg pods', 30_000, async () => ((await livePods('fg')).length === 3) || undefined);
  await client.delete('deployments', 'fg', { namespace: 'default', propagationPolicy: 'Foreground' });
  const marked = await client.get<Deployment>('deployments', 'fg', 'default').catch(() => undefined);
  if (marked) assert.ok(marked.metadata.finalizers?.includes('foregroundDeletion'), 'marked with the foregroundDeletion finalizer');
  await waitFor('the fg Deployment to be gone', 40_000, async () => {
    const d = await client.get<Deployment>('deployments', 'fg', 'default').catch(() => undefined);
    return d === undefined || undefined;
  });
  const sets = (await client.list<ReplicaSet>('replicasets', { namespace: 'default', labelSelector: 'app=fg' })).items;
  const pods = (await client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=fg' })).items;
  assert.deepEqual([sets.length, pods.length], [0, 0], 'dependents went before the owner');
});

test('an Orphan delete removes the Deployment and leaves its ReplicaSet and pods unowned', { timeout: 60_000 }, async () => {
  await client.create('deployments', deployment('orph', 2, 'busybox:1'), 'default');
  await waitFor('2 orph pods', 30_000, async () => ((await livePods('orph')).length === 2) || undefined);
  await client.delete('deployments', 'orph', { namespace: 'default', propagationPolicy: 'Orphan' });
  await waitFor('the orph Deployment to be gone', 30_000, async () => {
    const d = await client.get<Deployment>('deployments', 'orph', 'default').catch(() => undefined);
    return d === undefined || undefined;
  });
  const sets = (await client.list<ReplicaSet>('replicasets', { namespace: 'default', labelSelector: 'app=orph' })).items;
  assert.equal(sets.length, 1);
  assert.equal(sets[0].metadata.ownerReferences, undefined, 'the ReplicaSet lost its owner reference');
  assert.equal((await livePods('orph')).length, 2, 'its pods keep running');
  await client.delete('replicasets', sets[0].metadata.name!, { namespace: 'default' });
});

test('nodes get pod CIDRs; a silent node goes NotReady, is tainted, and loses its pods', { timeout: 60_000 }, async () => {
  const old = new Date(Date.now() - 30_000).toISOString(); // older than the grace; creation itself counts as a heartbeat
  const node = (name: string): Node => ({
    apiVersion: 'v1', kind: 'Node', metadata: { name },
    status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: old }], allocatable: { cpu: '2', memory: '2Gi', pods: '110' } },
  });
  await client.create('nodes', node('silent-a'));
  await client.create('nodes', node('silent-b'));
  const cidrs = await waitFor('pod CIDRs on both nodes', 20_000, async () => {
    const list = (await client.list<Node>('nodes')).items.filter((n) => n.metadata.name?.startsWith('silent-'));
    return list.length === 2 && list.every((n) => n.spec?.podCIDR) ? list.map((n) => n.spec!.podCIDR) : undefined;
  });
  assert.notEqual(cidrs[0], cidrs[1]);
  assert.ok(cidrs.every((c) => /^10\.244\.\d+\.0\/24$/.test(c!)));
  await client.create<Pod>('pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-silent', namespace: 'default' },
    spec: { nodeName: 'silent-a', containers: [{ name: 'c', image: 'busybox' }] },
  });
  const tainted = await waitFor('silent-a to be NotReady and tainted', 30_000, async () => {
    const n = await client.get<Node>('nodes', 'silent-a');
    const unknown = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'Unknown');
    return unknown && n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? n : undefined;
  });
  assert.ok(tainted);
  // Eviction waits evictionMs after the taint: the pod is then deleted gracefully (bound, so it is marked).
  await waitFor('the pod on silent-a to be evicted', 20_000, async () => {
    const p = await client.get<Pod>('pods', 'on-silent', 'default').catch(() => undefined);
    return !p || p.metadata.deletionTimestamp ? true : undefined;
  }, 1000);
});
