import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podFromTemplate, rankForDeletion, replicaDiff, replicaSetStatus, statusEqual } from '../../controllers/replicaset-logic.js';
import { pod, rs } from './fixtures.js';

test('replicaDiff creates the missing pods and ignores finished or deleting ones', () => {
  const cases: { name: string; want: number; pods: ReturnType<typeof pod>[]; create: number; remove: number }[] = [
    { name: 'empty', want: 3, pods: [], create: 3, remove: 0 },
    { name: 'exact', want: 2, pods: [pod('a'), pod('b')], create: 0, remove: 0 },
    { name: 'too many', want: 1, pods: [pod('a'), pod('b'), pod('c')], create: 0, remove: 2 },
    { name: 'failed pods do not count', want: 2, pods: [pod('a'), pod('b', { phase: 'Failed' })], create: 1, remove: 0 },
    { name: 'terminating pods do not count', want: 2, pods: [pod('a'), pod('b', { deleting: true })], create: 1, remove: 0 },
    { name: 'scale to zero', want: 0, pods: [pod('a')], create: 0, remove: 1 },
  ];
  for (const c of cases) {
    const d = replicaDiff(rs('r', c.want), c.pods);
    assert.equal(d.create, c.create, c.name);
    assert.equal(d.remove.length, c.remove, c.name);
  }
});

test('rankForDeletion removes unscheduled, pending, unready, restarting and newer pods first', () => {
  const order = rankForDeletion([
    pod('ready-old', { node: 'n', created: '2026-01-01T00:00:00Z' }),
    pod('ready-new', { node: 'n', created: '2026-01-02T00:00:00Z' }),
    pod('unready', { node: 'n', ready: false }),
    pod('pending', { node: 'n', phase: 'Pending' }),
    pod('unscheduled', { phase: 'Pending' }),
    pod('restarts', { node: 'n', restarts: 4 }),
  ]).map((p) => p.metadata.name);
  assert.deepEqual(order, ['unscheduled', 'pending', 'unready', 'restarts', 'ready-new', 'ready-old']);
});

test('podFromTemplate names, labels and owns the new pod', () => {
  const r = rs('web-abc', 2);
  const p = podFromTemplate(r);
  assert.equal(p.metadata.generateName, 'web-abc-');
  assert.deepEqual(p.metadata.labels, { app: 'web' });
  assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'uid-web-abc', controller: true, blockOwnerDeletion: true }]);
  p.spec.containers[0].image = 'changed';
  assert.equal(r.spec.template.spec.containers[0].image, 'busybox', 'the template is copied, not shared');
});

test('replicaSetStatus counts ready and available pods with minReadySeconds', () => {
  const r = rs('r', 3);
  r.spec.minReadySeconds = 10;
  const now = Date.parse('2026-01-01T00:00:20Z');
  const s = replicaSetStatus(r, [
    pod('a', { readySince: '2026-01-01T00:00:00Z' }),
    pod('b', { readySince: '2026-01-01T00:00:15Z' }),
    pod('c', { ready: false }),
    pod('d', { phase: 'Succeeded' }),
  ], now);
  assert.deepEqual(s, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 });
  assert.ok(statusEqual(s, { ...s }));
  assert.ok(!statusEqual(s, { ...s, readyReplicas: 3 }));
});
