import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meets, parseWaitFor } from '../../cli/flotctl/wait.js';
import { parseChanges } from '../../cli/flotctl/label.js';
import type { KubeObject } from '../../api/types.js';

test('parseWaitFor reads condition, delete and jsonpath forms, and refuses the rest', () => {
  assert.deepEqual(parseWaitFor('condition=Ready'), { kind: 'condition', type: 'ready', status: 'true' });
  assert.deepEqual(parseWaitFor('condition=Available=False'), { kind: 'condition', type: 'available', status: 'false' });
  assert.deepEqual(parseWaitFor('delete'), { kind: 'delete' });
  assert.deepEqual(parseWaitFor('jsonpath={.status.phase}=Running'), { kind: 'jsonpath', path: '{.status.phase}', value: 'Running' });
  assert.throws(() => parseWaitFor(undefined), /--for is required/);
  assert.throws(() => parseWaitFor('ready'), /unrecognized --for "ready"/);
});

test('meets checks conditions case-insensitively and jsonpath values exactly', async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } } as unknown as KubeObject;
  assert.equal(await meets(pod, parseWaitFor('condition=ready')), true);
  assert.equal(await meets(pod, parseWaitFor('condition=Ready=False')), false);
  assert.equal(await meets(pod, parseWaitFor('condition=PodScheduled')), false);
  assert.equal(await meets(pod, parseWaitFor('jsonpath={.status.phase}=Running')), true);
  assert.equal(await meets(pod, parseWaitFor('jsonpath={.status.phase}=Pending')), false);
});

test('parseChanges turns KEY=VALUE and KEY- into a merge patch', () => {
  assert.deepEqual(parseChanges(['a=1', 'b-', 'c=x=y', 'e=']), { a: '1', b: null, c: 'x=y', e: '' });
  assert.throws(() => parseChanges(['nonsense']), /"nonsense" is not KEY=VALUE or KEY-/);
  assert.throws(() => parseChanges([]), /at least one/);
});
