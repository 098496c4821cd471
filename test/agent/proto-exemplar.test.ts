/** Exemplars of the runtime's messages fill every field, nested ones included, and survive the real codecs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageType, runtimeRpcs } from '../../runtime/proto/load.js';
import { exemplar, type MessageDescriptor } from '../../runtime/proto-exemplar.js';
import { RuntimeClient } from '../../runtime/client.js';
import { warmCodecs } from '../../runtime/proto/warm-codecs.js';

const lookup = (name: string) => messageType(name)?.type as MessageDescriptor | undefined;

test('an exemplar of PodSandboxStatusResponse decodes with its nested statuses, maps and lists filled', () => {
  const m = new Map(runtimeRpcs()).get('PodSandboxStatus')!;
  const res = m.responseDeserialize(m.responseSerialize(exemplar(lookup('PodSandboxStatusResponse')!, lookup))) as {
    status: { network: { ip: string }; labels: Record<string, string> };
    containersStatuses: { id: string; image: { image: string } | null; mounts: unknown[] }[];
    info: Record<string, string>;
  };
  assert.equal(res.status.network.ip, 'x');
  assert.deepEqual(res.status.labels, { k: 'x' });
  assert.deepEqual(res.info, { k: 'x' });
  assert.equal(res.containersStatuses.length, 1);
  assert.equal(res.containersStatuses[0]!.image?.image, 'x');
  assert.equal(res.containersStatuses[0]!.mounts.length, 1);
});

test('warmCodecs encodes and decodes every message of both services without a runtime', () => {
  const client = new RuntimeClient('/nonexistent/flotilla-test.sock');
  try {
    assert.doesNotThrow(() => client.warmCodecs());
  } finally {
    client.close();
  }
});

test('the server side warms its request decoders and response encoders without a runtime', () => {
  assert.doesNotThrow(() => warmCodecs('server'));
});
