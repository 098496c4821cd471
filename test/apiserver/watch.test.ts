import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { startApiServer } from '../../apiserver/server.js';
import { httpApi, podManifest, type HttpApi } from './http.js';

let cp: ControlPlane;
let api: HttpApi;

before(async () => {
  cp = await startControlPlane({ bookmarkIntervalSeconds: 1 });
  api = httpApi(cp);
});
after(async () => {
  api?.close();
  await cp?.stop();
});

const PODS = '/api/v1/namespaces/default/pods';

async function create(name: string, labels?: Record<string, string>, ns = 'default'): Promise<any> {
  const r = await api.call('POST', `/api/v1/namespaces/${ns}/pods`, podManifest(name, labels ? { labels } : {}));
  assert.equal(r.status, 201, r.text);
  return r.body;
}

test('a watch from resourceVersion N delivers exactly the changes after N, in order', async () => {
  const a = await create('w-a', { suite: 'w1' });
  const b = await create('w-b', { suite: 'w1' });
  const w = await api.watch(`${PODS}?watch=true&labelSelector=suite%3Dw1&resourceVersion=${a.metadata.resourceVersion}`);
  try {
    assert.equal(w.status, 200);
    const e1 = await w.next(5000, 'ADDED w-b');
    assert.equal(e1.type, 'ADDED');
    assert.equal(e1.object.metadata.name, 'w-b');
    assert.equal(e1.object.metadata.resourceVersion, b.metadata.resourceVersion);
    const patched = await api.call('PATCH', `${PODS}/w-a`, { metadata: { annotations: { n: '1' } } }, { 'Content-Type': 'application/merge-patch+json' });
    const e2 = await w.next(5000, 'MODIFIED w-a');
    assert.equal(e2.type, 'MODIFIED');
    assert.equal(e2.object.metadata.resourceVersion, patched.body.metadata.resourceVersion);
    await api.call('DELETE', `${PODS}/w-b`);
    const e3 = await w.next(5000, 'DELETED w-b');
    assert.equal(e3.type, 'DELETED');
    assert.equal(e3.object.metadata.name, 'w-b');
  } finally {
    w.close();
  }
});

test('watch=1 without a resourceVersion sends the current objects as ADDED first', async () => {
  await create('w-init', { suite: 'w2' });
  const w = await api.watch(`${PODS}?watch=1&labelSelector=suite%3Dw2`);
  try {
    const e = await w.next(5000, 'the initial ADDED');
    assert.equal(e.type, 'ADDED');
    assert.equal(e.object.metadata.name, 'w-init');
  } finally {
    w.close();
  }
});

test('no event is missed or repeated across a reconnect from the last seen resourceVersion', async () => {
  const list = await api.call('GET', `${PODS}?labelSelector=suite%3Dw3`);
  const start = list.body.metadata.resourceVersion;
  const total = 60;
  const written: string[] = [];
  const writer = (async () => {
    for (let i = 0; i < total; i++) {
      const name = `w3-${String(i).padStart(3, '0')}`;
      const r = await api.call('POST', PODS, podManifest(name, { labels: { suite: 'w3' } }));
      assert.equal(r.status, 201, r.text);
      written.push(`${name}@${r.body.metadata.resourceVersion}`);
    }
  })();
  const seen: string[] = [];
  let rv = start;
  for (let round = 0; seen.length < total; round++) {
    assert.ok(round < 20, 'too many reconnects');
    const w = await api.watch(`${PODS}?watch=true&labelSelector=suite%3Dw3&resourceVersion=${rv}`);
    try {
      // Read a few events, then drop the connection mid-stream and resume.
      for (let k = 0; k < 7 && seen.length < total; k++) {
        const e = await w.next(10000, `event ${seen.length + 1} of ${total}`);
        assert.equal(e.type, 'ADDED');
        seen.push(`${e.object.metadata.name}@${e.object.metadata.resourceVersion}`);
        rv = e.object.metadata.resourceVersion;
      }
    } finally {
      w.close();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await writer;
  assert.deepEqual(seen, written, 'every create seen once, in order');
});

test('label-selector watches see objects start and stop matching', async () => {
  const list = await api.call('GET', PODS);
  const w = await api.watch(`${PODS}?watch=true&labelSelector=color%3Dblue&resourceVersion=${list.body.metadata.resourceVersion}`);
  try {
    await create('w-color');
    const patch = (labels: Record<string, string | null>) => api.call('PATCH', `${PODS}/w-color`, { metadata: { labels } }, { 'Content-Type': 'application/merge-patch+json' });
    await patch({ color: 'blue' });
    const e1 = await w.next(5000, 'ADDED when the label starts matching');
    assert.equal(e1.type, 'ADDED');
    await patch({ size: 'xl' });
    assert.equal((await w.next(5000, 'MODIFIED while matching')).type, 'MODIFIED');
    await patch({ color: 'red' });
    const e3 = await w.next(5000, 'DELETED when it stops matching');
    assert.equal(e3.type, 'DELETED');
    assert.equal(e3.object.metadata.labels.color, 'red');
    await api.call('DELETE', `${PODS}/w-color`);
    await create('w-color-2', { color: 'blue' });
    const e4 = await w.next(5000, 'ADDED of w-color-2');
    assert.equal(e4.object.metadata.name, 'w-color-2', 'the delete of a non-matching object is not sent');
  } finally {
    w.close();
  }
});

test('a namespaced watch sees only its namespace; field selectors filter watches', async () => {
  assert.equal((await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wns' } })).status, 201);
  const rv = (await api.call('GET', PODS)).body.metadata.resourceVersion;
  const w = await api.watch(`/api/v1/namespaces/wns/pods?watch=true&resourceVersion=${rv}&fieldSelector=${encodeURIComponent('metadata.name!=skip-me')}`);
  try {
    await create('w-other-ns');
    await create('skip-me', undefined, 'wns');
    await create('w-in-ns', undefined, 'wns');
    const e = await w.next(5000, 'the pod in wns');
    assert.equal(e.object.metadata.name, 'w-in-ns');
    assert.equal(e.object.metadata.namespace, 'wns');
  } finally {
    w.close();
  }
});

test('a namespace watch without selectors sees its objects added, modified and deleted, and nothing of other namespaces', async () => {
  assert.equal((await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wns2' } })).status, 201);
  const rv = (await api.call('GET', PODS)).body.metadata.resourceVersion;
  const w = await api.watch(`/api/v1/namespaces/wns2/pods?watch=true&resourceVersion=${rv}`);
  try {
    await create('n-other');
    const made = await create('n-in', undefined, 'wns2');
    const st = await api.call('PUT', '/api/v1/namespaces/wns2/pods/n-in/status', { ...made, status: { phase: 'Running' } });
    assert.equal(st.status, 200, st.text);
    assert.equal((await api.call('DELETE', '/api/v1/namespaces/default/pods/n-other')).status, 200);
    assert.equal((await api.call('DELETE', '/api/v1/namespaces/wns2/pods/n-in')).status, 200);
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const e = await w.next(5000, `event ${i} of n-in`);
      seen.push(`${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name} ${e.object.status?.phase}`);
      if (i === 1) assert.equal(e.object.metadata.resourceVersion, st.body.metadata.resourceVersion);
    }
    assert.deepEqual(seen, ['ADDED wns2/n-in Pending', 'MODIFIED wns2/n-in Running', 'DELETED wns2/n-in Running']);
  } finally {
    w.close();
  }
});

test('bookmarks arrive when allowed, and timeoutSeconds ends the stream', async () => {
  const rv = (await api.call('GET', PODS)).body.metadata.resourceVersion;
  const w = await api.watch(`${PODS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3`);
  try {
    const e = await w.next(5000, 'a BOOKMARK (interval 1 s)');
    assert.equal(e.type, 'BOOKMARK');
    assert.ok(Number(e.object.metadata.resourceVersion) >= Number(rv));
    const t0 = Date.now();
    await Promise.race([w.ended, new Promise((_, rej) => setTimeout(() => rej(new Error('stream did not end after timeoutSeconds=3')), 6000))]);
    assert.ok(Date.now() - t0 < 6000);
  } finally {
    w.close();
  }
});

test('a watch from before the server started is replayed from etcd; a compacted revision is 410 Gone', async () => {
  const old = await create('w-old', { suite: 'w5' });
  const later = await create('w-later', { suite: 'w5' });
  // A second server starts after these writes, so its watch hub does not cover them.
  const second = await startApiServer({ listen: '127.0.0.1:0', dataDir: cp.dataDir, etcdEndpoints: cp.etcdEndpoints, logLevel: 'warn' });
  const api2 = httpApi({ url: second.url, token: second.token, caPem: second.caPem });
  const etcd = new Etcd3({ hosts: cp.etcdEndpoints });
  try {
    const w = await api2.watch(`${PODS}?watch=true&labelSelector=suite%3Dw5&resourceVersion=${old.metadata.resourceVersion}`);
    try {
      const e = await w.next(5000, 'w-later replayed from etcd history');
      assert.equal(e.object.metadata.name, 'w-later');
      assert.equal(e.object.metadata.resourceVersion, later.metadata.resourceVersion);
    } finally {
      w.close();
    }
    await create('w-after', { suite: 'w5' });
    const now = (await api.call('GET', PODS)).body.metadata.resourceVersion;
    await etcd.kv.compact({ revision: now, physical: true });
    const gone = await api2.call('GET', `${PODS}?watch=true&timeoutSeconds=2&resourceVersion=${old.metadata.resourceVersion}`);
    assert.equal(gone.status, 410, gone.text);
    assert.equal(gone.body.kind, 'Status');
    assert.equal(gone.body.code, 410);
    assert.equal(gone.body.reason, 'Expired');
  } finally {
    etcd.close();
    api2.close();
    await second.close();
  }
});
