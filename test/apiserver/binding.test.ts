import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resourceByKind } from '../../api/resources.js';
import { objectKey } from '../../apiserver/storage.js';
import type { RecentValue, ResourceHub } from '../../apiserver/watch-hub.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { httpApi, podManifest, type HttpApi } from './http.js';

let cp: ControlPlane;
let api: HttpApi;
let hub: ResourceHub;

before(async () => {
  cp = await startControlPlane();
  api = httpApi(cp);
  hub = cp.server.context.hub.hub(POD);
});
after(async () => {
  api?.close();
  await cp?.stop();
});

const POD = resourceByKind('Pod')!;
const PODS = '/api/v1/namespaces/default/pods';
const bind = (name: string, node: string) => api.call('POST', `${PODS}/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: node } });

/** seen waits until the pods hub holds `name` at `rv` (its watch event arrived) and returns that value. */
async function seen(name: string, rv: string): Promise<RecentValue> {
  const key = objectKey(POD, 'default', name);
  for (const deadline = Date.now() + 5000; ; await new Promise((r) => setTimeout(r, 10))) {
    const v = hub.recent(key);
    if (v?.modRevision === rv) return v;
    assert.ok(Date.now() < deadline, `timed out after 5 s waiting for the watch to deliver ${name} at ${rv}`);
  }
}

/** withStale makes the hub answer `value` for every key while fn runs, as a hub whose events lag would. */
async function withStale<T>(value: RecentValue, fn: () => Promise<T>): Promise<T> {
  const real = hub.recent;
  hub.recent = () => value;
  try {
    return await fn();
  } finally {
    hub.recent = real;
  }
}

test('binding with a lagging watch value: etcd decides the 409, a lost CAS rereads and keeps the newer write', async () => {
  const made = await api.call('POST', PODS, podManifest('bind-lag'));
  assert.equal(made.status, 201, made.text);
  const unbound = await seen('bind-lag', made.body.metadata.resourceVersion);

  // Someone else changed the pod after the value the hub holds: the binding must not undo it.
  const patched = await api.call('PATCH', `${PODS}/bind-lag`, { metadata: { labels: { changed: 'yes' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  const b = await withStale(unbound, () => bind('bind-lag', 'node-a'));
  assert.equal(b.status, 201, b.text);
  const p = (await api.call('GET', `${PODS}/bind-lag`)).body;
  assert.equal(p.spec.nodeName, 'node-a');
  assert.equal(p.metadata.labels.changed, 'yes', 'the label written after the hub value survives the binding');

  // The hub still says unbound, etcd says bound: 409 naming the node etcd has.
  const again = await withStale(unbound, () => bind('bind-lag', 'node-b'));
  assert.equal(again.status, 409, again.text);
  assert.match(again.body.message, /already assigned to node "node-a"/);
});

test('binding with a lagging watch value that says bound: a recreated pod of the same name is bound all the same', async () => {
  const first = await api.call('POST', PODS, podManifest('bind-again'));
  assert.equal((await bind('bind-again', 'node-a')).status, 201);
  const bound = await api.call('GET', `${PODS}/bind-again`);
  const old = await seen('bind-again', bound.body.metadata.resourceVersion);
  assert.equal((await api.call('DELETE', `${PODS}/bind-again?gracePeriodSeconds=0`)).status, 200);
  const second = await api.call('POST', PODS, podManifest('bind-again'));
  assert.equal(second.status, 201, second.text);
  assert.notEqual(second.body.metadata.uid, first.body.metadata.uid);
  const b = await withStale(old, () => bind('bind-again', 'node-b'));
  assert.equal(b.status, 201, b.text);
  assert.equal((await api.call('GET', `${PODS}/bind-again`)).body.spec.nodeName, 'node-b');
});

test('binding a pod the hub has not seen reads etcd; a missing pod is 404', async () => {
  const made = await api.call('POST', PODS, podManifest('bind-unseen'));
  assert.equal(made.status, 201);
  const b = await withStale(undefined as unknown as RecentValue, () => bind('bind-unseen', 'node-c'));
  assert.equal(b.status, 201, b.text);
  assert.equal((await api.call('GET', `${PODS}/bind-unseen`)).body.spec.nodeName, 'node-c');
  assert.equal((await bind('bind-nobody', 'node-c')).status, 404);
});

test('binding a pod the hub has seen at its latest version makes one etcd write and no read', async () => {
  const made = await api.call('POST', PODS, podManifest('bind-cached'));
  await seen('bind-cached', made.body.metadata.resourceVersion);
  const storage = cp.server.context.storage;
  const realGet = storage.get;
  let reads = 0;
  storage.get = ((...args: Parameters<typeof realGet>) => (reads++, realGet.apply(storage, args))) as typeof realGet;
  try {
    assert.equal((await bind('bind-cached', 'node-d')).status, 201);
  } finally {
    storage.get = realGet;
  }
  assert.equal(reads, 0);
  assert.equal((await api.call('GET', `${PODS}/bind-cached`)).body.spec.nodeName, 'node-d');
});
