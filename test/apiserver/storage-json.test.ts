import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceByKind } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { EtcdKv } from '../../apiserver/etcd-kv.js';
import { decodeStored, jsonWithResourceVersion, Storage } from '../../apiserver/storage.js';

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
