import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../helpers/etcd.js';
import { EtcdKv } from '../../apiserver/etcd-kv.js';
import { EtcdWatch } from '../../apiserver/etcd-watch.js';
import { decodeWatch, encodeWatchCreate, prefixRangeEnd, type WatchedEvent } from '../../apiserver/etcd-wire.js';

test('etcd-wire: a watch create frame asks for the prefix, the start revision and previous values', () => {
  const big = 2 ** 40 + 1;
  const f = encodeWatchCreate('/registry/pods/', prefixRangeEnd('/registry/pods/'), big);
  assert.equal(f[0], 0);
  assert.equal(f.readUInt32BE(1), f.length - 5);
  // WatchRequest.create_request (1) { key (1), range_end (2), start_revision (3), prev_kv (6) }
  assert.equal(f[5], (1 << 3) | 2);
  const inner = f.subarray(7);
  assert.equal(inner.toString('latin1').includes('/registry/pods/'), true);
  assert.equal(inner.toString('latin1').includes('/registry/pods0'), true);
  assert.deepEqual([...inner.subarray(inner.length - 2)], [6 << 3, 1]);
  assert.deepEqual(decodeWatch(Buffer.from([(3 << 3), 1, (5 << 3), 7, (9 << 3), 1])), { created: true, canceled: false, compactRevision: 7, cancelReason: '', events: [] });
});

async function until(what: string, ok: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !ok(); await new Promise((r) => setTimeout(r, 20))) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
  }
}

test('EtcdWatch on a real etcd: puts and deletes in order with previous values, a compacted start ends it, cancel stops it', async (t) => {
  const etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoints });
  const kv = new EtcdKv(etcd.endpoints);
  t.after(async () => {
    kv.close();
    client.close();
    await etcd.stop();
  });
  const first = Number((await client.put('/w/a').value('1').exec()).header.revision);
  await client.put('/other/x').value('no').exec();
  const seen: WatchedEvent[] = [];
  const ends: Error[] = [];
  const w = await EtcdWatch.open(kv, { prefix: '/w/', startRevision: first, onEvents: (e) => seen.push(...e), onEnd: (e) => ends.push(e) });
  await client.put('/w/a').value('2').exec();
  await client.delete().key('/w/a').exec();
  await until('three events', () => seen.length === 3);
  assert.deepEqual(seen.map((e) => [e.type, e.kv.key.toString(), e.kv.value.toString(), e.prevKv?.value.toString()]), [
    ['put', '/w/a', '1', undefined],
    ['put', '/w/a', '2', '1'],
    ['delete', '/w/a', '', '2'],
  ]);
  assert.equal(Number(seen[0]!.kv.modRevision), first);
  assert.equal(seen[0]!.kv.createRevision, seen[0]!.kv.modRevision);

  w.cancel();
  await client.put('/w/b').value('after cancel').exec();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen.length, 3, 'nothing after cancel');
  assert.equal(ends.length, 0);

  const now = Number((await client.put('/w/c').value('x').exec()).header.revision);
  await client.kv.compact({ revision: String(now) });
  // etcd confirms the watch, then cancels it with the compact revision: that is the end, not a retry.
  const late = await EtcdWatch.open(kv, { prefix: '/w/', startRevision: first, onEvents: (e) => seen.push(...e), onEnd: (e) => ends.push(e) });
  await until('the compacted end', () => ends.length > 0);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ends.length, 1);
  assert.match(ends[0]!.message, /compacted/);
  assert.equal(seen.length, 3);
  late.cancel();
});
