import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../api/client.js';
import { Informer } from '../../api/informer.js';
import type { Pod } from '../../api/types.js';
import { startControlPlane } from '../helpers/control-plane.js';
import { CuttableProxy } from '../helpers/cuttable-proxy.js';
import { resourceByName } from '../../api/resources.js';

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

/** podWatchers counts the server's pod watchers: the test's informer is the only one left running. */
function podWatchers(): number {
  return cp.server.context.hub.hub(resourceByName('pods')!).subscriberCount;
}

function pod(name: string, labels: Record<string, string>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
}

type Seen = { type: 'add' | 'update' | 'delete'; name: string; rv: string };

function record(inf: Informer<Pod>): Seen[] {
  const seen: Seen[] = [];
  inf.on('add', (o) => seen.push({ type: 'add', name: o.metadata.name!, rv: o.metadata.resourceVersion! }));
  inf.on('update', (_o, n) => seen.push({ type: 'update', name: n.metadata.name!, rv: n.metadata.resourceVersion! }));
  inf.on('delete', (o) => seen.push({ type: 'delete', name: o.metadata.name!, rv: o.metadata.resourceVersion! }));
  return seen;
}

/** startWithin starts an informer, failing (not hanging) when its first list does not arrive in time. */
async function startWithin(inf: Informer<Pod>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      inf.start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          inf.stop();
          reject(new Error(`timed out after ${ms} ms waiting for the informer's first list`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** cacheMatches tells whether the informer holds exactly the server's objects at the same versions. */
async function cacheMatches(inf: Informer<Pod>, labelSelector: string): Promise<boolean> {
  const live = await client.list<Pod>('pods', { namespace: 'default', labelSelector });
  const want = live.items.map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).sort();
  const have = inf.list().map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).sort();
  return JSON.stringify(want) === JSON.stringify(have);
}

async function waitInSync(inf: Informer<Pod>, sel: string, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await cacheMatches(inf, sel))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the informer cache to match the server (${what})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('start() resolves after the first list is delivered; changes arrive as add, update, delete; objects are frozen', async (t) => {
  for (const n of ['sync-a', 'sync-b']) await client.create('pods', pod(n, { inf: 'sync' }), 'default');
  const inf = new Informer<Pod>(client, 'pods', { namespace: 'default', labelSelector: 'inf=sync' });
  t.after(() => inf.stop());
  const seen = record(inf);
  assert.equal(inf.hasSynced(), false);
  await startWithin(inf, 15_000);
  assert.equal(inf.hasSynced(), true);
  assert.deepEqual(seen.map((s) => `${s.type}:${s.name}`).sort(), ['add:sync-a', 'add:sync-b']);
  assert.equal(inf.get('default/sync-a')?.metadata.name, 'sync-a');
  assert.equal(inf.keyOf(inf.get('default/sync-a')!), 'default/sync-a');

  const cached = inf.get('default/sync-a')!;
  assert.throws(() => {
    (cached.metadata as { name?: string }).name = 'changed';
  }, TypeError);
  assert.throws(() => {
    (cached.spec.containers[0] as { image: string }).image = 'changed';
  }, TypeError);

  seen.length = 0;
  await client.create('pods', pod('sync-c', { inf: 'sync' }), 'default');
  await client.patch('pods', 'sync-a', { metadata: { annotations: { touched: 'yes' } } }, 'default');
  await client.delete('pods', 'sync-b', { namespace: 'default' });
  await client.create('pods', pod('sync-other', { inf: 'other' }), 'default');
  await waitFor('add, update and delete to be delivered', () => seen.length >= 3);
  await waitInSync(inf, 'inf=sync', 'after three changes');
  assert.deepEqual(seen.map((s) => `${s.type}:${s.name}`), ['add:sync-c', 'update:sync-a', 'delete:sync-b']);
  assert.equal(inf.get('default/sync-a')?.metadata.annotations?.touched, 'yes');
  assert.equal(inf.get('default/sync-b'), undefined);
  assert.equal(inf.get('default/sync-other'), undefined, 'the label selector keeps other pods out');
});

test('after a dropped connection the informer resumes from its last revision: nothing missed, nothing repeated', async (t) => {
  const target = new URL(cp.url);
  const proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port) });
  const via = new ApiClient({ server: await proxy.listen(), token: cp.token, ca: cp.caPem });
  const errors: unknown[] = [];
  const inf = new Informer<Pod>(via, 'pods', {
    namespace: 'default', labelSelector: 'inf=resume', backoffMs: { initial: 50, max: 400 }, onError: (e) => errors.push(e),
  });
  t.after(async () => {
    inf.stop();
    via.close();
    await proxy.close();
  });
  await client.create('pods', pod('res-0', { inf: 'resume' }), 'default');
  await client.create('pods', pod('res-1', { inf: 'resume' }), 'default');
  const seen = record(inf);
  await startWithin(inf, 15_000);
  await waitFor('the watch to open (list and watch share one connection)', () => proxy.accepted === 1 && podWatchers() === 1);

  proxy.cut();
  // While the informer is cut off: creates, an update and a delete it must all see, once.
  for (let i = 2; i < 7; i++) await client.create('pods', pod(`res-${i}`, { inf: 'resume' }), 'default');
  await client.patch('pods', 'res-0', { metadata: { labels: { inf: 'resume', step: 'x' } } }, 'default');
  await client.delete('pods', 'res-1', { namespace: 'default' });
  await waitFor('a failed reconnect while the proxy is down', () => errors.length >= 2);
  proxy.up();
  await waitInSync(inf, 'inf=resume', 'after reconnecting');
  // One more change on the new connection.
  await client.patch('pods', 'res-2', { metadata: { annotations: { after: 'reconnect' } } }, 'default');
  await waitFor('the change after reconnecting', () => seen.some((s) => s.type === 'update' && s.name === 'res-2'));

  const lines = seen.map((s) => `${s.type}:${s.name}`);
  assert.deepEqual(lines, [
    'add:res-0', 'add:res-1',
    'add:res-2', 'add:res-3', 'add:res-4', 'add:res-5', 'add:res-6',
    'update:res-0', 'delete:res-1', 'update:res-2',
  ]);
  const keys = seen.map((s) => `${s.type}:${s.name}@${s.rv}`);
  assert.equal(new Set(keys).size, keys.length, 'no event delivered twice');
  assert.ok(!errors.some((e) => (e as { httpStatus?: number }).httpStatus === 410), 'resumed without a relist');
});

test('watches that the server ends (timeoutSeconds) are resumed without gaps or repeats', async (t) => {
  const inf = new Informer<Pod>(client, 'pods', { namespace: 'default', labelSelector: 'inf=timeout', watchTimeoutSeconds: 1 });
  t.after(() => inf.stop());
  const seen = record(inf);
  await startWithin(inf, 15_000);
  for (let i = 0; i < 6; i++) {
    await client.create('pods', pod(`to-${i}`, { inf: 'timeout' }), 'default');
    await new Promise((r) => setTimeout(r, 450));
  }
  await waitInSync(inf, 'inf=timeout', 'across watch timeouts');
  assert.deepEqual(seen.map((s) => `${s.type}:${s.name}`), [0, 1, 2, 3, 4, 5].map((i) => `add:to-${i}`));
});

test('a watch that goes silent (a link cut without a reset) is abandoned after idleTimeoutMs and resumed', async (t) => {
  const target = new URL(cp.url);
  const proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port) });
  const via = new ApiClient({ server: await proxy.listen(), token: cp.token, ca: cp.caPem });
  const inf = new Informer<Pod>(via, 'pods', { namespace: 'default', labelSelector: 'inf=silent', idleTimeoutMs: 1000, backoffMs: { initial: 50, max: 400 } });
  t.after(async () => {
    inf.stop();
    via.close();
    await proxy.close();
  });
  const seen = record(inf);
  await startWithin(inf, 15_000);
  await waitFor('the watch to open (list and watch share one connection)', () => proxy.accepted === 1 && podWatchers() === 1);
  proxy.freeze();
  await client.create('pods', pod('silent-1', { inf: 'silent' }), 'default');
  await waitFor('the change made while the link was silent', () => seen.some((s) => s.name === 'silent-1'));
  assert.deepEqual(seen.map((s) => `${s.type}:${s.name}`), ['add:silent-1']);
});

test('resyncMs re-delivers every cached object as an update with the same object; a throwing handler does not stop the informer', async (t) => {
  await client.create('pods', pod('resync-1', { inf: 'resync' }), 'default');
  const errors: unknown[] = [];
  const inf = new Informer<Pod>(client, 'pods', { namespace: 'default', labelSelector: 'inf=resync', resyncMs: 150, onError: (e) => errors.push(e) });
  t.after(() => inf.stop());
  let resyncs = 0;
  inf.on('update', (oldObj, newObj) => {
    if (oldObj === newObj) resyncs++;
    throw new Error('handler bug');
  });
  const seen = record(inf);
  await startWithin(inf, 15_000);
  await waitFor('two resyncs', () => resyncs >= 2, 5000);
  assert.ok(errors.some((e) => (e as Error).message === 'handler bug'), 'the handler error is reported');
  await client.create('pods', pod('resync-2', { inf: 'resync' }), 'default');
  await waitFor('a new pod after the throwing handler', () => seen.some((s) => s.type === 'add' && s.name === 'resync-2'));
});

test('a watch from a compacted revision (after an API server restart) is 410: the informer relists and delivers the difference', async (t) => {
  const { startApiServer } = await import('../../apiserver/server.js');
  const { Etcd3 } = await import('etcd3');
  // Its own control plane: this test stops the API server and starts others on the same etcd.
  const cp = await startControlPlane();
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  const first = new URL(cp.url);
  const proxy = new CuttableProxy({ host: first.hostname, port: Number(first.port) });
  const via = new ApiClient({ server: await proxy.listen(), token: cp.token, ca: cp.caPem });
  const errors: unknown[] = [];
  const inf = new Informer<Pod>(via, 'pods', {
    namespace: 'default', labelSelector: 'inf=gone', backoffMs: { initial: 50, max: 400 }, onError: (e) => errors.push(e),
  });
  let second: Awaited<ReturnType<typeof startApiServer>> | undefined;
  let secondClient: ApiClient | undefined;
  t.after(async () => {
    inf.stop();
    via.close();
    secondClient?.close();
    await proxy.close();
    await second?.close();
    client.close();
    await cp.stop();
  });
  for (let i = 0; i < 4; i++) await client.create('pods', pod(`g-${i}`, { inf: 'gone' }), 'default');
  const seen = record(inf);
  await startWithin(inf, 15_000);
  assert.equal(inf.list().length, 4);
  seen.length = 0;

  // The API server goes away (its in-memory watch history with it); while the informer is cut
  // off the objects change (through another server) and etcd compacts its history.
  proxy.cut();
  await cp.server.close();
  const interim = await startApiServer({ listen: '127.0.0.1:0', dataDir: cp.dataDir, etcdEndpoints: cp.etcdEndpoints, logLevel: 'warn' });
  const interimClient = new ApiClient({ server: interim.url, token: interim.token, ca: interim.caPem });
  try {
    await interimClient.create('pods', pod('g-4', { inf: 'gone' }), 'default');
    await interimClient.patch('pods', 'g-0', { metadata: { annotations: { changed: 'while-away' } } }, 'default');
    await interimClient.delete('pods', 'g-1', { namespace: 'default' });
  } finally {
    interimClient.close();
    await interim.close();
  }
  const etcd = new Etcd3({ hosts: cp.etcdEndpoints });
  try {
    const head = await etcd.kv.range({ key: Buffer.from('/registry/') });
    await etcd.kv.compact({ revision: head.header.revision, physical: true });
  } finally {
    etcd.close();
  }
  // A fresh server keeps no history from before it started: the informer's revision is gone.
  second = await startApiServer({ listen: '127.0.0.1:0', dataDir: cp.dataDir, etcdEndpoints: cp.etcdEndpoints, logLevel: 'warn' });
  secondClient = new ApiClient({ server: second.url, token: second.token, ca: second.caPem });
  const second_ = new URL(second.url);
  proxy.retarget({ host: second_.hostname, port: Number(second_.port) });
  proxy.up();

  await waitFor('the informer to relist after 410 Gone', () => seen.length >= 3);
  const live = await secondClient.list<Pod>('pods', { namespace: 'default', labelSelector: 'inf=gone' });
  const want = live.items.map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).sort();
  await waitFor('the cache to equal the server', () => JSON.stringify(inf.list().map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).sort()) === JSON.stringify(want));
  assert.ok(errors.some((e) => (e as { httpStatus?: number }).httpStatus === 410), `the informer met 410 Gone; errors: ${errors.map((e) => (e as Error).message).join(' / ')}`);
  assert.deepEqual(seen.map((s) => `${s.type}:${s.name}`).sort(), ['add:g-4', 'delete:g-1', 'update:g-0']);
  assert.equal(inf.get('default/g-0')?.metadata.annotations?.changed, 'while-away');

  // And it watches again from the relisted revision.
  await secondClient.create('pods', pod('g-5', { inf: 'gone' }), 'default');
  await waitFor('an event after the relist', () => seen.some((s) => s.name === 'g-5'));
  assert.equal(seen.filter((s) => s.name === 'g-5').length, 1);
});
