import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, ApiError, ClientError, StatusError, isAlreadyExists, isConflict, isGone, isNotFound } from '../../api/client.js';
import type { KubeObject, Node, Pod, Status, WatchEvent } from '../../api/types.js';
import { startControlPlane } from '../helpers/control-plane.js';

type ControlPlane = Awaited<ReturnType<typeof startControlPlane>>;
let cp: ControlPlane;
let client: ApiClient;

before(async () => {
  cp = await startControlPlane();
  client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
});
after(async () => {
  client?.close();
  await cp?.stop();
});

function pod(name: string, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
  };
}

function node(name: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} };
}

test('create, get, list, update, patch and delete a pod', async () => {
  const made = await client.create('pods', pod('crud-1', { app: 'crud' }), 'default');
  assert.equal(made.metadata.namespace, 'default');
  assert.ok(made.metadata.uid);
  assert.ok(made.metadata.resourceVersion);

  const got = await client.get<Pod>('pods', 'crud-1', 'default');
  assert.equal(got.spec.containers[0].image, 'busybox:1');

  const list = await client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=crud' });
  assert.deepEqual(list.items.map((p) => p.metadata.name), ['crud-1']);
  assert.ok(list.metadata.resourceVersion);

  const changed = structuredClone(got);
  changed.metadata.labels = { app: 'crud', v: '2' };
  const updated = await client.update('pods', changed);
  assert.equal(updated.metadata.labels?.v, '2');
  assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);

  const patched = await client.patch<Pod>('pods', 'crud-1', { metadata: { labels: { v: null, patched: 'yes' } } }, 'default');
  assert.deepEqual(patched.metadata.labels, { app: 'crud', patched: 'yes' });

  const gone = await client.delete('pods', 'crud-1', { namespace: 'default' });
  assert.ok(gone.kind === 'Pod' || gone.kind === 'Status');
  await assert.rejects(client.get('pods', 'crud-1', 'default'), (e: unknown) => isNotFound(e) && e instanceof StatusError && e.status.code === 404);
});

test('errors are typed: a stale resourceVersion is a Conflict, a taken name AlreadyExists, a missing object NotFound', async () => {
  const a = await client.create<Pod>('pods', pod('conflict-1'), 'default');
  const first = structuredClone(a);
  first.metadata.labels = { n: '1' };
  await client.update('pods', first);
  const stale = structuredClone(a);
  stale.metadata.labels = { n: '2' };
  await assert.rejects(client.update('pods', stale), (e: unknown) => {
    assert.ok(e instanceof ApiError && e instanceof StatusError);
    assert.equal(e.httpStatus, 409);
    assert.equal(e.reason, 'Conflict');
    assert.equal(e.code, 'FLT_ERR_API_CONFLICT');
    assert.ok(isConflict(e) && !isAlreadyExists(e));
    assert.match(e.message, /the object has been modified/);
    return true;
  });
  await assert.rejects(client.create('pods', pod('conflict-1'), 'default'), (e: unknown) => {
    assert.ok(isAlreadyExists(e) && !isConflict(e));
    assert.equal((e as StatusError).status.message, 'pods "conflict-1" already exists');
    return true;
  });
  await assert.rejects(client.get('pods', 'no-such-pod', 'default'), (e: unknown) => {
    assert.ok(isNotFound(e));
    assert.equal((e as StatusError).message, 'pods "no-such-pod" not found');
    return true;
  });
  await assert.rejects(client.get('widgets', 'x'), (e: unknown) => e instanceof ClientError && e.code === 'FLT_ERR_CLIENT_RESOURCE');
});

test('field and label selectors narrow lists; a list across namespaces sees every namespace', async () => {
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sel-team' } } as KubeObject);
  await client.create('pods', pod('sel-a', { tier: 'web' }), 'default');
  await client.create('pods', pod('sel-b', { tier: 'db' }), 'default');
  await client.create('pods', pod('sel-c', { tier: 'web' }), 'sel-team');
  const web = await client.list('pods', { labelSelector: 'tier=web' });
  assert.deepEqual(web.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), ['default/sel-a', 'sel-team/sel-c']);
  const byName = await client.list('pods', { namespace: 'default', fieldSelector: 'metadata.name=sel-b' });
  assert.deepEqual(byName.items.map((p) => p.metadata.name), ['sel-b']);
  const notDb = await client.list('pods', { namespace: 'default', labelSelector: 'tier,tier!=db' });
  assert.deepEqual(notDb.items.map((p) => p.metadata.name), ['sel-a']);
});

test('bind sets the node once; a second bind is a Conflict; updateStatus writes the status', async () => {
  await client.create('nodes', node('bind-node-1'));
  await client.create('pods', pod('bind-1'), 'default');
  const st = await client.bind('default', 'bind-1', 'bind-node-1');
  assert.equal((st as Status).kind, 'Status');
  const bound = await client.get<Pod>('pods', 'bind-1', 'default');
  assert.equal(bound.spec.nodeName, 'bind-node-1');
  await assert.rejects(client.bind('default', 'bind-1', 'bind-node-1'), (e: unknown) => isConflict(e));

  const withStatus = structuredClone(bound);
  withStatus.status = { ...withStatus.status, phase: 'Running', podIP: '10.244.0.9' };
  const written = await client.updateStatus<Pod>('pods', withStatus);
  assert.equal(written.status?.phase, 'Running');
  assert.equal((await client.get<Pod>('pods', 'bind-1', 'default')).status?.podIP, '10.244.0.9');

  // A bound pod is deleted gracefully: it stays, marked, until its node confirms with grace 0.
  const marked = await client.delete<Pod>('pods', 'bind-1', { namespace: 'default' });
  assert.ok((marked as Pod).metadata?.deletionTimestamp, 'a bound pod is marked for deletion');
  await client.delete('pods', 'bind-1', { namespace: 'default', gracePeriodSeconds: 0 });
  await assert.rejects(client.get('pods', 'bind-1', 'default'), (e: unknown) => isNotFound(e));
});

test('table asks the server to print; wide keeps the priority columns', async () => {
  await client.create('pods', pod('table-1', { t: 'x' }), 'default');
  const narrow = await client.table('pods', { namespace: 'default', labelSelector: 't=x' });
  assert.deepEqual(narrow.columnDefinitions.map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  assert.equal(narrow.rows.length, 1);
  assert.equal(narrow.rows[0].cells[0], 'table-1');
  const wide = await client.table('pods', { namespace: 'default', name: 'table-1', wide: true });
  assert.deepEqual(wide.columnDefinitions.map((c) => c.name).slice(5), ['IP', 'Node']);
  assert.equal(wide.rows[0].cells.length, wide.columnDefinitions.length);
});

test('watch from a revision delivers every later change once, in order; stop() resolves done', async () => {
  const start = await client.list('pods', { namespace: 'default' });
  const from = start.metadata.resourceVersion!;
  await client.create('pods', pod('watch-1', { w: 'y' }), 'default');
  await client.patch('pods', 'watch-1', { metadata: { labels: { step: '2' } } }, 'default');
  await client.delete('pods', 'watch-1', { namespace: 'default' });
  const seen: WatchEvent<Pod>[] = [];
  let resolveSeen!: () => void;
  const threeSeen = new Promise<void>((r) => (resolveSeen = r));
  const h = client.watch<Pod>('pods', { namespace: 'default', resourceVersion: from, labelSelector: 'w=y' }, (e) => {
    seen.push(e);
    if (seen.length === 3) resolveSeen();
  });
  await withTimeout(threeSeen, 10_000, 'three watch events for watch-1');
  assert.deepEqual(seen.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  const rvs = seen.map((e) => Number(e.object.metadata.resourceVersion));
  assert.ok(rvs[0] > Number(from) && rvs[0] < rvs[1] && rvs[1] < rvs[2], `increasing revisions ${rvs.join(',')}`);
  h.stop();
  await withTimeout(h.done, 5000, 'watch done after stop()');
});

test('a watch ends on its own at timeoutSeconds', async () => {
  const h = client.watch('pods', { namespace: 'default', timeoutSeconds: 1 }, () => undefined);
  await withTimeout(h.done, 10_000, 'watch to end at timeoutSeconds=1');
});

test('TLS and auth: no token is 401, an unknown CA fails to connect, insecureSkipTLSVerify connects', async () => {
  const anonymous = new ApiClient({ server: cp.url, ca: cp.caPem });
  try {
    await assert.rejects(anonymous.list('pods', { namespace: 'default' }), (e: unknown) => e instanceof StatusError && e.httpStatus === 401);
  } finally {
    anonymous.close();
  }
  const untrusted = new ApiClient({ server: cp.url, token: cp.token });
  try {
    await assert.rejects(untrusted.list('pods', { namespace: 'default' }), (e: unknown) => e instanceof ClientError && e.code === 'FLT_ERR_CLIENT_CONNECT');
  } finally {
    untrusted.close();
  }
  const insecure = new ApiClient({ server: cp.url, token: cp.token, insecureSkipTLSVerify: true });
  try {
    assert.equal((await insecure.list('namespaces')).items.some((n) => n.metadata.name === 'default'), true);
  } finally {
    insecure.close();
  }
  const refused = new ApiClient({ server: 'https://127.0.0.1:1', token: 'x', timeoutMs: 2000 });
  await assert.rejects(refused.get('pods', 'x', 'default'), (e: unknown) => e instanceof ClientError && /ECONNREFUSED/.test(e.message));
  refused.close();
});

test('request reaches any path: discovery answers with the served versions', async () => {
  const v = await client.request<{ versions: string[] }>('GET', '/api');
  assert.deepEqual(v.versions, ['v1']);
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
