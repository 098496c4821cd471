import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseLabelSelector, matchLabels, labelSelectorFromObject, matchesLabelSelector, labelSelectorToString,
  parseFieldSelector, matchFields,
} from '../../api/selectors.js';
import { SelectorError } from '../../api/errors.js';

test('label selector string form parses every operator', () => {
  const sel = parseLabelSelector('a=b,c!=d,e in (x, y),f notin (z),g,!h,n>3,m<10,k==v');
  assert.deepEqual(sel.map((r) => r.operator), ['Equals', 'NotEquals', 'In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'Equals']);
  assert.deepEqual(sel[2]!.values, ['x', 'y']);
  assert.deepEqual(parseLabelSelector(''), []);
  assert.deepEqual(parseLabelSelector('app.kubernetes.io/name=web'), [{ key: 'app.kubernetes.io/name', operator: 'Equals', values: ['web'] }]);
  assert.deepEqual(parseLabelSelector('tier='), [{ key: 'tier', operator: 'Equals', values: [''] }]);
});

test('label selectors match like Kubernetes', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['', {}, true],
    ['app=web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app=web', {}, false],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['env in (prod,staging)', { env: 'prod' }, true],
    ['env in (prod,staging)', { env: 'dev' }, false],
    ['env in (prod,staging)', {}, false],
    ['env notin (prod)', {}, true],
    ['env notin (prod)', { env: 'prod' }, false],
    ['gpu', { gpu: '' }, true],
    ['gpu', {}, false],
    ['!gpu', {}, true],
    ['!gpu', { gpu: 'x' }, false],
    ['n>3', { n: '4' }, true],
    ['n>3', { n: '3' }, false],
    ['n<3', { n: 'x' }, false],
    ['app=web,tier=fe', { app: 'web', tier: 'fe' }, true],
    ['app=web,tier=fe', { app: 'web', tier: 'be' }, false],
  ];
  for (const [s, labels, want] of cases) assert.equal(matchLabels(parseLabelSelector(s), labels), want, `${s} against ${JSON.stringify(labels)}`);
});

test('bad label selectors throw SelectorError', () => {
  for (const bad of ['a=b=c', 'a in (x', 'a in ()', '=b', 'a b', 'a,', '-a=b', 'a=-b-', 'n>x', 'a)']) {
    assert.throws(() => parseLabelSelector(bad), SelectorError, `"${bad}" must not parse`);
  }
});

test('LabelSelector objects convert, match and print', () => {
  const obj = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In' as const, values: ['prod'] }, { key: 'canary', operator: 'DoesNotExist' as const }] };
  assert.ok(matchesLabelSelector(obj, { app: 'web', env: 'prod' }));
  assert.ok(!matchesLabelSelector(obj, { app: 'web', env: 'prod', canary: 'y' }));
  assert.ok(matchesLabelSelector({}, { any: 'thing' }), 'an empty selector matches everything');
  assert.ok(!matchesLabelSelector(undefined, { any: 'thing' }), 'a missing selector matches nothing');
  assert.equal(labelSelectorToString(obj), 'app=web,env in (prod),!canary');
  assert.deepEqual(parseLabelSelector(labelSelectorToString(obj)), labelSelectorFromObject(obj));
  assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), SelectorError);
});

test('field selectors parse, match and reject unsupported fields', () => {
  const pod = { metadata: { name: 'p1', namespace: 'default' }, spec: { nodeName: 'node-1' }, status: { phase: 'Running' } };
  const unbound = { metadata: { name: 'p2', namespace: 'default' }, spec: {}, status: { phase: 'Pending' } };
  assert.ok(matchFields(parseFieldSelector('spec.nodeName=node-1'), pod));
  assert.ok(!matchFields(parseFieldSelector('spec.nodeName=node-1'), unbound));
  assert.ok(matchFields(parseFieldSelector('spec.nodeName='), unbound), 'empty value matches an unbound pod');
  assert.ok(!matchFields(parseFieldSelector('spec.nodeName='), pod));
  assert.ok(matchFields(parseFieldSelector('status.phase!=Succeeded,status.phase!=Failed'), pod));
  assert.ok(matchFields(parseFieldSelector('metadata.name==p1,metadata.namespace=default'), pod));
  assert.ok(!matchFields(parseFieldSelector('metadata.namespace=kube-system'), pod));
  assert.deepEqual(parseFieldSelector(''), []);
  assert.throws(() => parseFieldSelector('spec.containers=x'), /field label not supported: spec.containers/);
  assert.throws(() => parseFieldSelector('garbage'), SelectorError);
});
