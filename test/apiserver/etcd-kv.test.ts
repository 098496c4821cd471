import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../helpers/etcd.js';
import { EtcdCallError, EtcdKv } from '../../apiserver/etcd-kv.js';
import { decodeRange, decodeTxn, encodeRange, encodeTxn, prefixRangeEnd } from '../../apiserver/etcd-wire.js';

/** readFields splits a protobuf message into [field, wire type, value] (varints as numbers, bytes as Buffers). */
function readFields(b: Buffer): [number, number, number | Buffer][] {
  const out: [number, number, number | Buffer][] = [];
  let pos = 0;
  const varint = (): number => {
    let n = 0;
    for (let mul = 1; ; mul *= 128) {
      const x = b[pos++]!;
      n += (x & 0x7f) * mul;
      if (x < 0x80) return n;
    }
  };
  while (pos < b.length) {
    const tag = varint();
    if ((tag & 7) === 0) out.push([tag >>> 3, 0, varint()]);
    else {
      const len = varint();
      out.push([tag >>> 3, 2, b.subarray(pos, pos + len)]);
      pos += len;
    }
  }
  return out;
}

test('etcd-wire: frames carry gRPC prefixes and the fields etcd expects, revisions past 2^32 included', () => {
  const big = 2 ** 40 + 3;
  const range = encodeRange('/registry/pods/', prefixRangeEnd('/registry/pods/'), big);
  assert.equal(range[0], 0);
  assert.equal(range.readUInt32BE(1), range.length - 5);
  const rf = readFields(range.subarray(5));
  assert.deepEqual(rf.map(([f]) => f), [1, 2, 4]);
  assert.equal(String(rf[0]![2]), '/registry/pods/');
  assert.equal(String(rf[1]![2]), '/registry/pods0');
  assert.equal(rf[2]![2], big);

  const txn = encodeTxn('/k/ü', { target: 'mod', revision: big }, { put: 'välue' });
  assert.equal(txn.readUInt32BE(1), txn.length - 5);
  const [cmp, op] = readFields(txn.subarray(5));
  assert.equal(cmp![0], 1);
  assert.deepEqual(readFields(cmp![2] as Buffer).map(([f, , v]) => [f, Buffer.isBuffer(v) ? v.toString() : v]), [[2, 2], [3, '/k/ü'], [6, big]]);
  assert.equal(op![0], 2);
  const [put] = readFields(op![2] as Buffer);
  assert.equal(put![0], 2, 'request_put');
  assert.deepEqual(readFields(put![2] as Buffer).map(([f, , v]) => [f, String(v)]), [[1, '/k/ü'], [2, 'välue']]);

  const del = readFields(encodeTxn('/k', { target: 'create', revision: 0 }, { delete: true }).subarray(5));
  assert.deepEqual(readFields(del[0]![2] as Buffer).map(([f, , v]) => [f, String(v)]), [[2, '1'], [3, '/k'], [5, '0']]);
  assert.equal(readFields(del[1]![2] as Buffer)[0]![0], 3, 'request_delete_range');

  assert.deepEqual(prefixRangeEnd('a\u00ff'), Buffer.from([0x61, 0xc3, 0xc0]));
  assert.deepEqual(prefixRangeEnd(''), Buffer.from([0]));
});

test('etcd-wire: answers decode with unknown fields skipped', () => {
  // ResponseHeader { cluster_id: 2^63-ish, member_id, revision: 2^40, raft_term } then a kv and a count.
  const header = Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x10, 0x05, 0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x20, 0x02]);
  const kv = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x10, 0x07, 0x18, 0x09, 0x20, 0x02, 0x2a, 0x02]), Buffer.from('{}'), Buffer.from([0x30, 0x00])]);
  const msg = Buffer.concat([Buffer.from([0x0a, header.length]), header, Buffer.from([0x12, kv.length]), kv, Buffer.from([0x20, 0x01, 0x3d, 1, 2, 3, 4])]);
  const r = decodeRange(msg);
  assert.equal(r.revision, String(2 ** 40));
  assert.equal(r.kvs.length, 1);
  assert.equal(r.kvs[0]!.key.toString(), 'k');
  assert.equal(r.kvs[0]!.value.toString(), '{}');
  assert.equal(r.kvs[0]!.createRevision, '7');
  assert.equal(r.kvs[0]!.modRevision, '9');
  assert.deepEqual(decodeTxn(Buffer.concat([Buffer.from([0x0a, header.length]), header, Buffer.from([0x10, 0x01, 0x1a, 0x00])])), { revision: String(2 ** 40), succeeded: true });
  assert.throws(() => decodeRange(Buffer.from([0x0a, 0x05, 0x18])), /past its message/);
});

test('EtcdKv talks to a real etcd: create-if-absent, CAS put and delete, prefix ranges, big values, compaction and errors', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const kv = new EtcdKv(etcd.endpoints);
  t.after(() => kv.close());
  const ref = new Etcd3({ hosts: etcd.endpoints });
  t.after(() => ref.close());

  const made = await kv.txn('/t/a', { target: 'create', revision: 0 }, { put: '{"x":"ü"}' });
  assert.equal(made.succeeded, true);
  assert.equal(await ref.get('/t/a').string(), '{"x":"ü"}', 'etcd3 reads what EtcdKv wrote');
  assert.equal((await kv.txn('/t/a', { target: 'create', revision: 0 }, { put: 'again' })).succeeded, false, 'create-if-absent refuses a taken key');

  const got = await kv.range('/t/a');
  assert.equal(got.kvs.length, 1);
  assert.equal(got.kvs[0]!.modRevision, made.revision);
  assert.equal(got.kvs[0]!.createRevision, made.revision);
  assert.equal(got.kvs[0]!.value.toString(), '{"x":"ü"}');
  assert.equal((await kv.range('/t/none')).kvs.length, 0);

  assert.equal((await kv.txn('/t/a', { target: 'mod', revision: Number(made.revision) - 1 }, { put: 'stale' })).succeeded, false, 'a stale mod revision loses');
  const big = 'y'.repeat(1 << 20);
  const upd = await kv.txn('/t/a', { target: 'mod', revision: Number(made.revision) }, { put: big });
  assert.equal(upd.succeeded, true);
  assert.ok(Number(upd.revision) > Number(made.revision));
  assert.equal((await kv.range('/t/a')).kvs[0]!.value.length, big.length, 'a 1 MiB value comes back whole');

  await ref.put('/t/b').value('b');
  await ref.put('/t0').value('outside');
  const all = await kv.range('/t/', prefixRangeEnd('/t/'));
  assert.deepEqual(all.kvs.map((x) => x.key.toString()), ['/t/a', '/t/b']);
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) => kv.txn(`/t/many/${i}`, { target: 'create', revision: 0 }, { put: String(i) })));
  assert.equal(new Set(many.map((m) => m.revision)).size, 200, 'concurrent calls each get their own answer');

  const del = await kv.txn('/t/b', { target: 'mod', revision: 1 }, { delete: true });
  assert.equal(del.succeeded, false);
  const bRev = Number((await kv.range('/t/b')).kvs[0]!.modRevision);
  assert.equal((await kv.txn('/t/b', { target: 'mod', revision: bRev }, { delete: true })).succeeded, true);
  assert.equal(await ref.get('/t/b').string(), null);

  const old = (await kv.range('/t/a', undefined, Number(made.revision))).kvs[0]!;
  assert.equal(old.value.toString(), '{"x":"ü"}', 'a range at an old revision reads history');
  await ref.kv.compact({ revision: upd.revision });
  await assert.rejects(kv.range('/t/a', undefined, Number(made.revision)), (err: EtcdCallError) => err instanceof EtcdCallError && /compacted/.test(err.message) && err.grpcCode === 11);

  await etcd.stop();
  const t0 = Date.now();
  await assert.rejects(kv.range('/t/a'), (err: EtcdCallError) => err instanceof EtcdCallError && err.grpcCode === 14);
  await assert.rejects(kv.txn('/t/c', { target: 'create', revision: 0 }, { put: 'c' }), EtcdCallError);
  assert.ok(Date.now() - t0 < 5000, 'a stopped etcd fails calls at once, it does not hang them');
});
