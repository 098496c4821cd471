import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../helpers/etcd.js';

test('startEtcd runs a real etcd that stores keys, and stop removes process and dir', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  assert.match(etcd.dataDir, /flotilla/);
  const client = new Etcd3({ hosts: etcd.endpoints });
  try {
    await client.put('/flotilla-test/a').value('1');
    assert.equal(await client.get('/flotilla-test/a').string(), '1');
  } finally {
    client.close();
  }
  await etcd.stop();
  assert.ok(!existsSync(etcd.dataDir), 'temp dir removed');
  assert.throws(() => process.kill(etcd.pid, 0), 'etcd process is gone');
});
