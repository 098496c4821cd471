import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiClient, WatchHandle, WatchOptions } from '../../api/client.js';
import { Informer } from '../../api/informer.js';
import type { KubeObject, List, WatchEvent } from '../../api/types.js';

/**
 * ScriptedClient stands in for the API client to unit-test the informer's event logic: each list
 * answers the next scripted list, each watch plays the next scripted stream of events and then
 * ends (or fails with a scripted error). It records the resourceVersion every watch started from.
 */
class ScriptedClient {
  watchesFrom: (string | undefined)[] = [];
  constructor(private lists: List[], private streams: { events: WatchEvent[]; fail?: Error }[]) {}

  async list(): Promise<List> {
    const l = this.lists.shift();
    if (!l) throw new Error('no more scripted lists');
    return structuredClone(l);
  }

  watch(_res: unknown, opts: WatchOptions, onEvent: (e: WatchEvent) => void): WatchHandle {
    this.watchesFrom.push(opts.resourceVersion);
    const s = this.streams.shift();
    if (!s) return { stop: () => undefined, done: new Promise<void>(() => undefined) };
    const done = (async () => {
      await new Promise((r) => setImmediate(r));
      for (const e of s.events) onEvent(structuredClone(e));
      if (s.fail) throw s.fail;
    })();
    return { stop: () => undefined, done };
  }
}

const pod = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: rv } });
const list = (rv: string, ...items: KubeObject[]): List => ({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: rv }, items });

function record(inf: Informer): string[] {
  const seen: string[] = [];
  inf.on('add', (o) => seen.push(`add:${o.metadata.name}@${o.metadata.resourceVersion}`));
  inf.on('update', (_o, n) => seen.push(`update:${n.metadata.name}@${n.metadata.resourceVersion}`));
  inf.on('delete', (o) => seen.push(`delete:${o.metadata.name}`));
  return seen;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('stale and repeated events are dropped; a bookmark moves the resume point; a delete of an unknown object is ignored', async (t) => {
  const client = new ScriptedClient([list('10', pod('a', '5'))], [
    { events: [
      { type: 'MODIFIED', object: pod('a', '11') },
      { type: 'MODIFIED', object: pod('a', '11') },
      { type: 'MODIFIED', object: pod('a', '9') },
      { type: 'DELETED', object: pod('ghost', '12') },
      { type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '20' } } },
    ] },
  ]);
  const inf = new Informer(client as unknown as ApiClient, 'pods', { backoffMs: { initial: 1, max: 1 } });
  t.after(() => inf.stop());
  const seen = record(inf);
  await inf.start();
  await until('the second watch', () => client.watchesFrom.length >= 2);
  assert.deepEqual(seen, ['add:a@5', 'update:a@11']);
  assert.deepEqual(client.watchesFrom, ['10', '20']);
});

test('an ERROR event carrying 410 inside a stream makes the informer relist and deliver the difference', async (t) => {
  const client = new ScriptedClient(
    [list('10', pod('a', '5'), pod('b', '6')), list('30', pod('a', '25'), pod('c', '26'))],
    [{ events: [{ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old resource version' } as unknown as KubeObject }] }],
  );
  const errors: unknown[] = [];
  const inf = new Informer(client as unknown as ApiClient, 'pods', { backoffMs: { initial: 1, max: 1 }, onError: (e) => errors.push(e) });
  t.after(() => inf.stop());
  const seen = record(inf);
  await inf.start();
  await until('the watch after the relist', () => client.watchesFrom.length >= 2);
  assert.deepEqual(seen, ['add:a@5', 'add:b@6', 'update:a@25', 'add:c@26', 'delete:b']);
  assert.deepEqual(client.watchesFrom, ['10', '30']);
  assert.equal((errors[0] as { httpStatus?: number }).httpStatus, 410);
  assert.deepEqual(inf.list().map((o) => o.metadata.name).sort(), ['a', 'c']);
});

test('a failed stream is resumed from the last event it delivered, not from the list', async (t) => {
  const client = new ScriptedClient([list('10')], [
    { events: [{ type: 'ADDED', object: pod('x', '11') }], fail: Object.assign(new Error('connection reset'), { code: 'FLT_ERR_CLIENT_CONNECT' }) },
    { events: [{ type: 'ADDED', object: pod('x', '11') }, { type: 'ADDED', object: pod('y', '12') }] },
  ]);
  const inf = new Informer(client as unknown as ApiClient, 'pods', { backoffMs: { initial: 1, max: 1 }, onError: () => undefined });
  t.after(() => inf.stop());
  const seen = record(inf);
  await inf.start();
  await until('the third watch', () => client.watchesFrom.length >= 3);
  assert.deepEqual(client.watchesFrom, ['10', '11', '12']);
  assert.deepEqual(seen, ['add:x@11', 'add:y@12'], 'the replayed ADDED of x is not delivered twice');
});
