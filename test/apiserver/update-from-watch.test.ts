/**
 * An update that carries the resourceVersion the watch hub last saw (what an informer-fed writer
 * sends) is written on the hub's value without an etcd read; anything else is decided on etcd.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { RESOURCES } from '../../api/resources.js';
import { objectKey } from '../../apiserver/storage.js';
import { httpApi, podManifest, type HttpApi } from './http.js';

let cp: ControlPlane;
let api: HttpApi;
let reads = 0;

before(async () => {
  cp = await startControlPlane();
  api = httpApi(cp);
  const kv = cp.server.context.storage.kv;
  const range = kv.range.bind(kv);
  kv.range = (...args) => {
    reads++;
    return range(...args);
  };
});
after(async () => {
  api?.close();
  await cp?.stop();
});

const PODS = '/api/v1/namespaces/default/pods';
const pods = RESOURCES.find((r) => r.plural === 'pods')!;

/** seenByHub waits until the watch hub's newest value of a pod is at `rv`. */
async function seenByHub(name: string, rv: string): Promise<void> {
  const hub = cp.server.context.hub.hub(pods);
  for (const deadline = Date.now() + 5000; hub.recent(objectKey(pods, 'default', name))?.modRevision !== rv; await new Promise((r) => setTimeout(r, 10))) {
    assert.ok(Date.now() < deadline, `the hub did not see ${name} at ${rv}`);
  }
}

test('a status update at the hub\'s revision needs no etcd read; a stale one is still 409; a no-op is confirmed on etcd', async () => {
  const made = (await api.call('POST', PODS, podManifest('uw-1'))).body;
  await seenByHub('uw-1', made.metadata.resourceVersion);
  reads = 0;
  const up = await api.call('PUT', `${PODS}/uw-1/status`, { ...made, status: { phase: 'Running' } });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.body.status.phase, 'Running');
  assert.equal(reads, 0, 'written on the hub\'s value');

  const stale = await api.call('PUT', `${PODS}/uw-1/status`, { ...made, status: { phase: 'Failed' } });
  assert.equal(stale.status, 409, stale.text);
  assert.equal(stale.body.reason, 'Conflict');

  await seenByHub('uw-1', up.body.metadata.resourceVersion);
  reads = 0;
  const same = await api.call('PUT', `${PODS}/uw-1/status`, up.body);
  assert.equal(same.status, 200, same.text);
  assert.equal(same.body.metadata.resourceVersion, up.body.metadata.resourceVersion, 'nothing changed, nothing written');
  assert.equal(reads, 1, 'a no-op answer is confirmed on etcd');
  assert.equal((await api.call('GET', `${PODS}/uw-1`)).body.status.phase, 'Running');
});
