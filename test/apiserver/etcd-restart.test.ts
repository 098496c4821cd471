import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcdProcess, type EtcdProcess } from '../../apiserver/etcd-process.js';
import { startApiServer } from '../../apiserver/server.js';
import { httpApi, podManifest } from './http.js';

test('the server rides out an etcd restart: writes resume and an open watch misses nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-etcd-restart-'));
  let etcd: EtcdProcess = await startEtcdProcess({ dataDir: join(dir, 'etcd'), logFile: join(dir, 'etcd.log'), unsafeNoFsync: true });
  t.after(async () => {
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const server = await startApiServer({ listen: '127.0.0.1:0', dataDir: join(dir, 'server'), etcdEndpoints: etcd.endpoints, logLevel: 'silent' });
  t.after(() => server.close());
  const api = httpApi(server);
  t.after(() => api.close());
  const PODS = '/api/v1/namespaces/default/pods';
  const first = await api.call('POST', PODS, podManifest('before'));
  assert.equal(first.status, 201, first.text);
  const w = await api.watch(`${PODS}?watch=true&resourceVersion=${first.body.metadata.resourceVersion}`);
  t.after(() => w.close());

  const { clientPort, peerPort } = etcd;
  process.kill(etcd.pid, 'SIGKILL');
  await etcd.exited;
  const down = await api.call('GET', `${PODS}/before`);
  assert.equal(down.status, 503, `etcd down is a 503 Status, not a hang or a 500: ${down.text}`);
  assert.equal(down.body.kind, 'Status');
  etcd = await startEtcdProcess({ dataDir: join(dir, 'etcd'), logFile: join(dir, 'etcd.log'), unsafeNoFsync: true, clientPort, peerPort });

  let made;
  for (const deadline = Date.now() + 20000; ; await new Promise((r) => setTimeout(r, 200))) {
    made = await api.call('POST', PODS, podManifest('after'));
    if (made.status === 201) break;
    assert.ok(Date.now() < deadline, `timed out after 20 s waiting for creates to work again (last: ${made.status} ${made.text})`);
  }
  const e = await w.next(20000, 'the ADDED event of the pod made after the restart');
  assert.equal(e.type, 'ADDED');
  assert.equal(e.object.metadata.name, 'after');
  assert.equal(e.object.metadata.resourceVersion, made.body.metadata.resourceVersion);
});
