import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { startEtcd } from '../helpers/etcd.js';
import { Storage } from '../../apiserver/storage.js';
import { EtcdKv } from '../../apiserver/etcd-kv.js';
import { startCompactor } from '../../apiserver/compactor.js';

test('the compactor compacts etcd to the revision seen one interval earlier', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const client = new Etcd3({ hosts: etcd.endpoints });
  t.after(() => client.close());
  const kv = new EtcdKv(etcd.endpoints);
  t.after(() => kv.close());
  const storage = new Storage(kv);
  for (let i = 0; i < 5; i++) await client.put(`/registry/x/${i}`).value('v');
  const early = await storage.currentRevision();
  const compactor = startCompactor(client, storage, pino({ level: 'silent' }), 300);
  t.after(() => compactor.stop());
  await client.put('/registry/x/late').value('v');
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await client.get('/registry/x/0').revision(String(Number(early) - 1)).exec();
    } catch (err) {
      assert.match((err as Error).message, /compacted/);
      break;
    }
    assert.ok(Date.now() < deadline, 'timed out after 5 s waiting for the compactor to compact old revisions');
    await new Promise((r) => setTimeout(r, 100));
  }
  const latest = await client.get('/registry/x/late').string();
  assert.equal(latest, 'v', 'current data is untouched');
});
