import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonPath } from '../../cli/flotctl/jsonpath.js';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'web' } }, status: { podIP: '10.244.1.2' }, spec: { containers: [{ image: 'x:1' }, { image: 'y:2' }] } },
    { metadata: { name: 'b', labels: {} }, status: {}, spec: { containers: [{ image: 'z:3' }] } },
  ],
};

test('jsonPath follows fields, indexes and wildcards as kubectl does', () => {
  assert.equal(jsonPath('{.items[*].metadata.name}', list), 'a b');
  assert.equal(jsonPath('{.items[0].status.podIP}', list), '10.244.1.2');
  assert.equal(jsonPath('{.items[-1].metadata.name}', list), 'b');
  assert.equal(jsonPath("{.items[0].metadata.labels['app.kubernetes.io/name']}", list), 'web');
  assert.equal(jsonPath('{.items[1].status.podIP}', list), '', 'a missing field prints nothing');
  assert.equal(jsonPath('ip={.items[0].status}', list), 'ip={"podIP":"10.244.1.2"}');
  assert.equal(jsonPath('{$.kind}', list), 'List');
});

test('range blocks and string literals print one line per item', () => {
  assert.equal(jsonPath('{range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[*].image}{"\\n"}{end}', list), 'a\tx:1 y:2\nb\tz:3\n');
});

test('malformed templates are errors that say what is wrong', () => {
  assert.throws(() => jsonPath('{.items[*]', list), /unclosed action/);
  assert.throws(() => jsonPath('{range .items[*]}{.a}', list), /\{range\} without \{end\}/);
  assert.throws(() => jsonPath('{.items[?(@.x)]}', list), /unsupported expression/);
});
