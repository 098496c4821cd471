import { test } from 'node:test';
import { namespaceOfKey } from '../../apiserver/watch-hub.js';
import assert from 'node:assert/strict';
import { resourceByKind } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { EtcdKv } from '../../apiserver/etcd-kv.js';
import { decodeStored, encodeStored, jsonWithResourceVersion, objectJson, Storage, storedFrom } from '../../apiserver/storage.js';

/** storedText runs Storage.create against a recording KV and returns the text it would store. */
async function storedText(obj: KubeObject): Promise<string> {
  let put = '';
  const kv = { txn: async (_key: string, _cmp: unknown, op: { put: string }) => ((put = op.put), { succeeded: true, revision: '42' }) };
  const made = await new Storage(kv as unknown as EtcdKv).create(resourceByKind('Pod')!, obj);
  assert.equal(made?.metadata.resourceVersion, '42');
  return put;
}

test('stored JSON leads with apiVersion, kind and metadata and has no resourceVersion', async () => {
  const text = await storedText({ spec: { x: 1 }, metadata: { name: 'p', resourceVersion: '5' }, kind: 'Pod', apiVersion: 'v1' } as unknown as KubeObject);
  assert.equal(text, '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"x":1}}');
});

test('jsonWithResourceVersion splices the resourceVersion into stored text and means what decodeStored means', async () => {
  const tricky = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', annotations: { 'a/"metadata":{': '"metadata":{"resourceVersion":"1"}', ü: '\u2028\\' } },
    spec: { metadata: { nested: true }, s: ',"metadata":{' },
  } as unknown as KubeObject;
  const text = await storedText(tricky);
  const spliced = jsonWithResourceVersion(text, '1234');
  assert.ok(spliced);
  assert.deepEqual(JSON.parse(spliced), decodeStored(text, '1234'));
  assert.equal(JSON.parse(spliced).metadata.resourceVersion, '1234');

  assert.deepEqual(JSON.parse(jsonWithResourceVersion('{"apiVersion":"v1","kind":"Pod","metadata":{}}', '9')!), { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '9' } });
  // Text in another order (written before this encoding) or with escapes in the head is not spliced.
  assert.equal(jsonWithResourceVersion('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}', '9'), undefined);
  assert.equal(jsonWithResourceVersion('{"spec":{"metadata":{}},"apiVersion":"v1","kind":"Pod","metadata":{}}', '9'), undefined);
  assert.equal(jsonWithResourceVersion('{"apiVersion":"v\\"1","kind":"Pod","metadata":{}}', '9'), undefined);
});

test('an answer with an object storage just wrote is the stored text with its resourceVersion; a changed one is encoded afresh', async () => {
  const kv = { txn: async () => ({ succeeded: true, revision: '77' }) };
  const storage = new Storage(kv as unknown as EtcdKv);
  const pod = { metadata: { name: 'p', namespace: 'default', labels: { a: 'b' } }, spec: { containers: [] }, kind: 'Pod', apiVersion: 'v1' } as unknown as KubeObject;
  const made = (await storage.create(resourceByKind('Pod')!, pod))!;
  const text = objectJson(made);
  assert.ok(text.startsWith('{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"77",'), text);
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(made)));
  // Written again at another revision, or not by storage at all: plain JSON.
  made.metadata.resourceVersion = '78';
  assert.equal(objectJson(made), JSON.stringify(made));
  assert.equal(objectJson({ kind: 'Status' }), '{"kind":"Status"}');
  assert.equal(objectJson(null), 'null');
});

test('a stored value read back keeps its text, and an update that encodes to it is no change', async () => {
  const value = Buffer.from('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running"}}');
  const cur = storedFrom(value, '9');
  assert.equal(cur.json, value.toString());
  assert.equal(cur.obj.metadata.resourceVersion, '9');
  assert.equal(encodeStored(cur.obj), cur.json);
});

test('namespaceOfKey reads the namespace from a key without decoding the object', () => {
  assert.equal(namespaceOfKey('/registry/pods/default/p'), 'default');
  assert.equal(namespaceOfKey('/registry/nodes/n1'), '');
  assert.equal(namespaceOfKey('/registry/deployments/kube-system/d.x'), 'kube-system');
});
