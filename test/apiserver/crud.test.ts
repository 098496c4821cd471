import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../lab/exec.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { httpApi, podManifest, type HttpApi } from './http.js';

let cp: ControlPlane;
let api: HttpApi;

before(async () => {
  cp = await startControlPlane();
  api = httpApi(cp);
});
after(async () => {
  api?.close();
  await cp?.stop();
});

const PODS = '/api/v1/namespaces/default/pods';

test('create fills server fields and defaults; get returns the same object', async () => {
  const r = await api.call('POST', PODS, podManifest('crud-a', { labels: { app: 'a' } }));
  assert.equal(r.status, 201, r.text);
  const p = r.body;
  assert.match(p.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(p.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(p.metadata.resourceVersion, /^\d+$/);
  assert.equal(p.metadata.generation, 1);
  assert.equal(p.metadata.namespace, 'default');
  assert.equal(p.status.phase, 'Pending');
  assert.equal(p.spec.restartPolicy, 'Always');
  assert.equal(p.spec.terminationGracePeriodSeconds, 30);
  assert.equal(p.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  const g = await api.call('GET', `${PODS}/crud-a`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.body, p);
  const again = await api.call('POST', PODS, podManifest('crud-a'));
  assert.equal(again.status, 409);
  assert.equal(again.body.reason, 'AlreadyExists');
  assert.equal(again.body.message, 'pods "crud-a" already exists');
});

test('imagePullPolicy defaults to Always for :latest and untagged images', async () => {
  const latest = await api.call('POST', PODS, podManifest('crud-latest', { spec: { containers: [{ name: 'c', image: 'nginx:latest' }, { name: 'd', image: 'localhost:5000/nginx' }] } }));
  assert.equal(latest.status, 201, latest.text);
  assert.deepEqual(latest.body.spec.containers.map((c: any) => c.imagePullPolicy), ['Always', 'Always']);
});

test('generateName makes a unique name', async () => {
  const a = await api.call('POST', PODS, { ...podManifest(''), metadata: { generateName: 'gen-' } });
  const b = await api.call('POST', PODS, { ...podManifest(''), metadata: { generateName: 'gen-' } });
  assert.equal(a.status, 201, a.text);
  assert.equal(b.status, 201, b.text);
  assert.match(a.body.metadata.name, /^gen-[a-z0-9]{5}$/);
  assert.notEqual(a.body.metadata.name, b.body.metadata.name);
});

test('update with the current resourceVersion succeeds, a stale one is 409, generation follows spec', async () => {
  const made = (await api.call('POST', '/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'crud-d' },
    spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  })).body;
  assert.equal(made.spec.replicas, 1);
  assert.deepEqual(made.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  assert.equal(made.spec.revisionHistoryLimit, 10);
  const next = structuredClone(made);
  next.spec.replicas = 3;
  const u = await api.call('PUT', '/apis/apps/v1/namespaces/default/deployments/crud-d', next);
  assert.equal(u.status, 200, u.text);
  assert.equal(u.body.spec.replicas, 3);
  assert.equal(u.body.metadata.generation, 2);
  assert.ok(Number(u.body.metadata.resourceVersion) > Number(made.metadata.resourceVersion));
  const labelsOnly = structuredClone(u.body);
  labelsOnly.metadata.labels = { x: 'y' };
  const l = await api.call('PUT', '/apis/apps/v1/namespaces/default/deployments/crud-d', labelsOnly);
  assert.equal(l.body.metadata.generation, 2, 'a metadata-only change keeps the generation');
  const stale = await api.call('PUT', '/apis/apps/v1/namespaces/default/deployments/crud-d', next);
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, 'Conflict');
  assert.match(stale.body.message, /the object has been modified/);
  const status = await api.call('PUT', '/apis/apps/v1/namespaces/default/deployments/crud-d', { ...l.body, status: { replicas: 99 } });
  assert.equal(status.body.status.replicas, undefined, 'a main-resource update ignores status');
  const st = await api.call('PUT', '/apis/apps/v1/namespaces/default/deployments/crud-d/status', { ...status.body, spec: { ...status.body.spec, replicas: 7 }, status: { replicas: 2, observedGeneration: 2 } });
  assert.equal(st.status, 200, st.text);
  assert.equal(st.body.status.replicas, 2);
  assert.equal(st.body.spec.replicas, 3, 'a status update ignores spec');
});

test('merge patch (and strategic-merge content type) changes only what it names; null removes', async () => {
  const made = (await api.call('POST', PODS, podManifest('crud-patch', { labels: { a: '1', b: '2' } }))).body;
  const p = await api.call('PATCH', `${PODS}/crud-patch`, { metadata: { labels: { b: null, c: '3' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual(p.body.metadata.labels, { a: '1', c: '3' });
  assert.equal(p.body.spec.containers[0].image, made.spec.containers[0].image);
  const s = await api.call('PATCH', `${PODS}/crud-patch`, { metadata: { annotations: { note: 'x' } } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.body.metadata.annotations.note, 'x');
  const j = await api.call('PATCH', `${PODS}/crud-patch`, [{ op: 'replace', path: '/metadata/labels/a', value: '9' }], { 'Content-Type': 'application/json-patch+json' });
  assert.equal(j.status, 200, j.text);
  assert.equal(j.body.metadata.labels.a, '9');
  const pinned = await api.call('PATCH', `${PODS}/crud-patch`, { metadata: { resourceVersion: made.metadata.resourceVersion, labels: { z: '1' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(pinned.status, 409, 'a patch pinning a stale resourceVersion conflicts');
  const sp = await api.call('PATCH', `${PODS}/crud-patch/status`, { status: { phase: 'Running', podIP: '10.244.1.5' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(sp.status, 200, sp.text);
  assert.equal(sp.body.status.phase, 'Running');
  assert.equal(sp.body.status.podIP, '10.244.1.5');
  const forbidden = await api.call('PATCH', `${PODS}/crud-patch`, { spec: { restartPolicy: 'Never' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(forbidden.status, 422);
  assert.equal(forbidden.body.details.causes[0].field, 'spec');
  const image = await api.call('PATCH', `${PODS}/crud-patch`, { spec: { containers: [{ name: 'main', image: 'busybox:1.37' }] } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(image.status, 200, image.text);
  assert.equal(image.body.spec.containers[0].image, 'busybox:1.37');
});

test('list filters by label and field selectors, in one namespace or across all', async () => {
  assert.equal((await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sel' } })).status, 201);
  for (const [ns, name, labels] of [['default', 'sel-1', { tier: 'fe', env: 'prod' }], ['default', 'sel-2', { tier: 'be', env: 'prod' }], ['sel', 'sel-3', { tier: 'fe', env: 'dev' }]] as const) {
    const r = await api.call('POST', `/api/v1/namespaces/${ns}/pods`, podManifest(name, { labels: { ...labels, group: 'sel' } }));
    assert.equal(r.status, 201, r.text);
  }
  const names = async (path: string): Promise<string[]> => {
    const r = await api.call('GET', path);
    assert.equal(r.status, 200, r.text);
    assert.match(r.body.metadata.resourceVersion, /^\d+$/);
    return r.body.items.map((p: any) => p.metadata.name).sort();
  };
  const q = (s: string) => encodeURIComponent(s);
  assert.deepEqual(await names(`/api/v1/pods?labelSelector=${q('group=sel,tier=fe')}`), ['sel-1', 'sel-3']);
  assert.deepEqual(await names(`${PODS}?labelSelector=${q('group=sel,tier=fe')}`), ['sel-1']);
  assert.deepEqual(await names(`/api/v1/pods?labelSelector=${q('group=sel,env in (dev),tier!=be')}`), ['sel-3']);
  assert.deepEqual(await names(`/api/v1/pods?labelSelector=${q('group=sel,!env')}`), []);
  assert.deepEqual(await names(`/api/v1/pods?labelSelector=group%3Dsel&fieldSelector=${q('metadata.namespace=sel')}`), ['sel-3']);
  assert.deepEqual(await names(`/api/v1/pods?labelSelector=group%3Dsel&fieldSelector=${q('metadata.name=sel-2')}`), ['sel-2']);
  assert.deepEqual(await names(`/api/v1/pods?labelSelector=group%3Dsel&fieldSelector=${q('spec.nodeName=,status.phase=Pending')}`), ['sel-1', 'sel-2', 'sel-3']);
  const bad = await api.call('GET', `/api/v1/pods?fieldSelector=${q('spec.image=x')}`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /field label not supported: spec.image/);
});

test('binding assigns a node once; a second binding is 409; field selector spec.nodeName finds it', async () => {
  assert.equal((await api.call('POST', PODS, podManifest('crud-bind'))).status, 201);
  const b = await api.call('POST', `${PODS}/crud-bind/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'crud-bind' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-7' } });
  assert.equal(b.status, 201, b.text);
  const p = (await api.call('GET', `${PODS}/crud-bind`)).body;
  assert.equal(p.spec.nodeName, 'node-7');
  const cond = p.status.conditions.find((c: any) => c.type === 'PodScheduled');
  assert.equal(cond.status, 'True');
  const again = await api.call('POST', `${PODS}/crud-bind/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'crud-bind' }, target: { kind: 'Node', name: 'node-8' } });
  assert.equal(again.status, 409);
  assert.match(again.body.message, /already assigned to node "node-7"/);
  const onNode = await api.call('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=node-7')}`);
  assert.deepEqual(onNode.body.items.map((x: any) => x.metadata.name), ['crud-bind']);
});

test('graceful deletion: a bound pod is marked, then removed by a delete with grace 0; unbound pods go at once', async () => {
  assert.equal((await api.call('POST', PODS, podManifest('crud-grace', { spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 20 } }))).status, 201);
  const before = Date.now();
  const d1 = await api.call('DELETE', `${PODS}/crud-grace`);
  assert.equal(d1.status, 200, d1.text);
  assert.equal(d1.body.metadata.deletionGracePeriodSeconds, 20);
  const ts = Date.parse(d1.body.metadata.deletionTimestamp);
  assert.ok(ts >= Math.floor(before / 1000) * 1000 + 19000 && ts <= Date.now() + 21000, `deletionTimestamp ${d1.body.metadata.deletionTimestamp} is about now + 20 s`);
  const still = await api.call('GET', `${PODS}/crud-grace`);
  assert.equal(still.status, 200, 'the pod stays until its node confirms');
  const d2 = await api.call('DELETE', `${PODS}/crud-grace?gracePeriodSeconds=5`);
  assert.equal(d2.body.metadata.deletionGracePeriodSeconds, 5, 'a shorter grace period replaces a longer one');
  const d3 = await api.call('DELETE', `${PODS}/crud-grace`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
  assert.equal(d3.status, 200, d3.text);
  assert.equal((await api.call('GET', `${PODS}/crud-grace`)).status, 404);

  assert.equal((await api.call('POST', PODS, podManifest('crud-unbound'))).status, 201);
  assert.equal((await api.call('DELETE', `${PODS}/crud-unbound`)).status, 200);
  const gone = await api.call('GET', `${PODS}/crud-unbound`);
  assert.equal(gone.status, 404);
  assert.equal(gone.body.message, 'pods "crud-unbound" not found');
  assert.equal((await api.call('DELETE', `${PODS}/crud-unbound`)).status, 404);
});

test('finalizers hold an object until an update empties them; propagationPolicy=Orphan adds the orphan finalizer', async () => {
  const rs = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'crud-rs', finalizers: ['example.com/hold'] },
    spec: { replicas: 2, selector: { matchLabels: { app: 'rs' } }, template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  };
  const base = '/apis/apps/v1/namespaces/default/replicasets';
  assert.equal((await api.call('POST', base, rs)).status, 201);
  const d = await api.call('DELETE', `${base}/crud-rs?propagationPolicy=Orphan`);
  assert.equal(d.status, 200, d.text);
  assert.ok(d.body.metadata.deletionTimestamp, 'marked');
  assert.deepEqual(d.body.metadata.finalizers, ['example.com/hold', 'orphan']);
  const cur = (await api.call('GET', `${base}/crud-rs`)).body;
  const cleared = await api.call('PUT', `${base}/crud-rs`, { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal((await api.call('GET', `${base}/crud-rs`)).status, 404, 'gone once the finalizers are empty');
});

test('scale subresource reads and writes spec.replicas', async () => {
  const base = '/apis/apps/v1/namespaces/default/deployments/crud-d';
  const s = await api.call('GET', `${base}/scale`);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.body.kind, 'Scale');
  assert.equal(s.body.spec.replicas, 3);
  assert.equal(s.body.status.selector, 'app=d');
  const p = await api.call('PATCH', `${base}/scale`, { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
  assert.equal((await api.call('GET', base)).body.spec.replicas, 5);
});

test('objects need their namespace; namespaces delete their contents; built-in ones cannot be deleted', async () => {
  const r = await api.call('POST', '/api/v1/namespaces/nowhere/pods', podManifest('p'));
  assert.equal(r.status, 404);
  assert.equal(r.body.message, 'namespaces "nowhere" not found');
  assert.equal((await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'temp' } })).status, 201);
  assert.equal((await api.call('POST', '/api/v1/namespaces/temp/pods', podManifest('p'))).status, 201, 'a new namespace is usable at once');
  assert.equal((await api.call('POST', '/api/v1/namespaces/temp/pods', podManifest('bound', { spec: { nodeName: 'node-1' } }))).status, 201);
  const del = await api.call('DELETE', '/api/v1/namespaces/temp');
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.status.phase, 'Terminating');
  const refused = await api.call('POST', '/api/v1/namespaces/temp/pods', podManifest('late'));
  assert.equal(refused.status, 403, 'nothing new in a terminating namespace');
  assert.match(refused.body.message, /being terminated/);
  await waitFor('the unbound pod to go', 10000, async () => (await api.call('GET', '/api/v1/namespaces/temp/pods/p')).status === 404, 100);
  const bound = await api.call('GET', '/api/v1/namespaces/temp/pods/bound');
  assert.ok(bound.body.metadata.deletionTimestamp, 'the bound pod is deleted gracefully, through its node');
  assert.equal((await api.call('GET', '/api/v1/namespaces/temp')).status, 200, 'the namespace waits for its pods');
  assert.equal((await api.call('DELETE', '/api/v1/namespaces/temp/pods/bound?gracePeriodSeconds=0')).status, 200);
  await waitFor('the namespace to go', 10000, async () => (await api.call('GET', '/api/v1/namespaces/temp')).status === 404, 100);
  assert.equal((await api.call('POST', '/api/v1/namespaces/temp/pods', podManifest('p'))).status, 404);
  const d = await api.call('DELETE', '/api/v1/namespaces/default');
  assert.equal(d.status, 403);
  for (const ns of ['default', 'kube-system', 'kube-node-lease']) assert.equal((await api.call('GET', `/api/v1/namespaces/${ns}`)).status, 200);
});

test('cluster-scoped nodes, leases and events round-trip; dryRun stores nothing', async () => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-x', labels: { 'kubernetes.io/hostname': 'node-x' } }, status: { capacity: { cpu: '2', memory: '4Gi' } } };
  const n = await api.call('POST', '/api/v1/nodes', node);
  assert.equal(n.status, 201, n.text);
  assert.equal(n.body.metadata.namespace, undefined);
  assert.equal(n.body.status.capacity.memory, '4Gi', 'a node keeps the status it registers with');
  const st = await api.call('PATCH', '/api/v1/nodes/node-x/status', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(st.status, 200, st.text);
  const lease = await api.call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-x' }, spec: { holderIdentity: 'node-x', leaseDurationSeconds: 40 } });
  assert.equal(lease.status, 201, lease.text);
  const ev = await api.call('POST', '/api/v1/namespaces/default/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'crud-a.1' }, involvedObject: { kind: 'Pod', name: 'crud-a', namespace: 'default' }, reason: 'Scheduled', message: 'assigned', type: 'Normal' });
  assert.equal(ev.status, 201, ev.text);
  const byObject = await api.call('GET', `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=crud-a,involvedObject.kind=Pod')}`);
  assert.deepEqual(byObject.body.items.map((e: any) => e.metadata.name), ['crud-a.1']);
  const dry = await api.call('POST', `${PODS}?dryRun=All`, podManifest('crud-dry'));
  assert.equal(dry.status, 201);
  assert.equal((await api.call('GET', `${PODS}/crud-dry`)).status, 404);
});

test('a list larger than gRPC\'s default 4 MiB message comes back whole', async () => {
  const ns = await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crud-big' } });
  assert.equal(ns.status, 201, ns.text);
  const filler = 'x'.repeat(200 * 1024);
  for (let i = 0; i < 24; i++) {
    const pod = podManifest(`big-${i}`);
    pod.metadata.annotations = { filler };
    const r = await api.call('POST', '/api/v1/namespaces/crud-big/pods', pod);
    assert.equal(r.status, 201, r.text.slice(0, 300));
  }
  const list = await api.call('GET', '/api/v1/namespaces/crud-big/pods');
  assert.equal(list.status, 200, list.text.slice(0, 300));
  assert.ok(list.text.length > 4.5 * 1024 * 1024, `list is ${list.text.length} bytes`);
  assert.equal(list.body.items.length, 24);
});
