import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deploymentStatus, findNewReplicaSet, historyToPrune, newReplicaSetFor, podTemplateHash, recreateStep, resolveIntOrPercent,
  rollingUpdateStep, surgeAndUnavailable,
} from '../../controllers/deployment-logic.js';
import { deployment, rs } from './fixtures.js';

test('podTemplateHash is stable, label-safe and changes with the template', () => {
  const a = deployment(3, {}, 'busybox:1');
  const b = deployment(3, {}, 'busybox:2');
  assert.equal(podTemplateHash(a.spec.template), podTemplateHash(structuredClone(a.spec.template)));
  assert.notEqual(podTemplateHash(a.spec.template), podTemplateHash(b.spec.template));
  assert.match(podTemplateHash(a.spec.template), /^[a-z0-9]{1,10}$/);
});

test('newReplicaSetFor carries the hash in name, labels and selector, and is found again', () => {
  const d = deployment(3);
  const r = newReplicaSetFor(d, 1, 0);
  const hash = podTemplateHash(d.spec.template);
  assert.equal(r.metadata.name, `web-${hash}`);
  assert.equal(r.spec.selector.matchLabels?.['pod-template-hash'], hash);
  assert.equal(r.spec.template.metadata?.labels?.['pod-template-hash'], hash);
  assert.equal(findNewReplicaSet(d, [rs('other', 1), r])?.metadata.name, r.metadata.name);
  assert.equal(findNewReplicaSet(deployment(3, {}, 'other:1'), [r]), undefined);
});

test('resolveIntOrPercent rounds surge up and unavailable down', () => {
  assert.equal(resolveIntOrPercent('25%', 6, true, '0'), 2);
  assert.equal(resolveIntOrPercent('25%', 6, false, '0'), 1);
  assert.equal(resolveIntOrPercent(3, 6, false, '0'), 3);
  assert.equal(resolveIntOrPercent(undefined, 4, true, '25%'), 1);
  assert.throws(() => resolveIntOrPercent('x%', 4, true, '0'), /invalid value/);
  assert.deepEqual(surgeAndUnavailable(deployment(4, { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } })), { maxSurge: 0, maxUnavailable: 1 });
});

test('rollingUpdateStep surges the new set and keeps replicas - maxUnavailable available', () => {
  const d = deployment(6, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
  const oldRS = rs('old', 6, { created: '2026-01-01T00:00:00Z' });
  const newRS = rs('new', 0, { available: 0, created: '2026-01-02T00:00:00Z' });
  let sizes = rollingUpdateStep(d, newRS, [oldRS]);
  assert.equal(sizes.get('new'), 1, 'new grows by maxSurge');
  assert.equal(sizes.get('old'), 5, 'old shrinks by maxUnavailable while the new pod is not available');
  // Later: new has 2 available, old 5 of 5 available; total 7 = 6 + surge 1.
  sizes = rollingUpdateStep(d, rs('new', 2, { available: 2, created: '2026-01-02T00:00:00Z' }), [rs('old', 5, { created: '2026-01-01T00:00:00Z' })]);
  assert.equal(sizes.get('new'), 2, 'no room to surge: 7 pods already');
  assert.equal(sizes.get('old'), 3, '7 available - min 5 lets two old pods go');
  // Done: new at 6 all available, old goes to 0.
  sizes = rollingUpdateStep(d, rs('new', 6, { available: 6 }), [rs('old', 1, { available: 1 })]);
  assert.equal(sizes.get('new'), 6);
  assert.equal(sizes.get('old'), 0);
});

test('rollingUpdateStep does not count pods an old ReplicaSet is still deleting (stale status)', () => {
  const d = deployment(6, { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
  // Old was cut 6 → 5 a moment ago; its status still reports 6 available. New has 1 pod, not ready yet.
  const sizes = rollingUpdateStep(d, rs('new', 1, { available: 0, created: '2026-01-02T00:00:00Z' }), [rs('old', 5, { available: 6, current: 6 })]);
  assert.equal(sizes.get('old'), 5, 'only 5 old pods count as available: cutting another would leave 4 < 5');
  assert.equal(sizes.get('new'), 2, 'the new set may still surge: 6 of 7 pods planned');
});

test('rollingUpdateStep removes unavailable old pods first without touching availability', () => {
  const d = deployment(4, { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  const sizes = rollingUpdateStep(d, rs('new', 0, { available: 0 }), [rs('old', 4, { available: 2 })]);
  assert.equal(sizes.get('old'), 3, 'one broken old pod goes (4 pods - min 3); healthy ones stay as 2 available is below min 3');
  assert.equal(sizes.get('new'), 0, 'no surge allowed while 4 pods exist');
});

test('rollingUpdateStep never lets available pods fall below the minimum (sampled over a whole rollout)', () => {
  const replicas = 6;
  const d = deployment(replicas, { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
  let newSize = 0; let oldSize = replicas; let newAvail = 0;
  for (let step = 0; step < 50 && !(newSize === replicas && oldSize === 0); step++) {
    const sizes = rollingUpdateStep(d, rs('new', newSize, { available: newAvail, created: '2026-01-02T00:00:00Z' }), [rs('old', oldSize, { created: '2026-01-01T00:00:00Z' })]);
    newSize = sizes.get('new')!; oldSize = sizes.get('old')!;
    assert.ok(newAvail + oldSize >= replicas - 1, `step ${step}: available ${newAvail + oldSize} below ${replicas - 1}`);
    assert.ok(newSize + oldSize <= replicas + 1, `step ${step}: ${newSize + oldSize} pods above surge`);
    newAvail = newSize; // the new pods become available before the next step
  }
  assert.deepEqual([newSize, oldSize], [replicas, 0]);
});

test('recreateStep waits for old pods to be gone before growing the new set', () => {
  const d = deployment(3, { type: 'Recreate' });
  let sizes = recreateStep(d, rs('new', 0), [rs('old', 3)], 3);
  assert.deepEqual([sizes.get('old'), sizes.get('new')], [0, 0]);
  sizes = recreateStep(d, rs('new', 0), [rs('old', 0)], 0);
  assert.deepEqual([sizes.get('old'), sizes.get('new')], [0, 3]);
});

test('historyToPrune keeps revisionHistoryLimit empty old sets', () => {
  const d = deployment(1);
  d.spec.revisionHistoryLimit = 1;
  const old = [rs('r1', 0, { revision: 1, current: 0 }), rs('r2', 0, { revision: 2, current: 0 }), rs('r3', 1, { revision: 3 })];
  assert.deepEqual(historyToPrune(d, old).map((r) => r.metadata.name), ['r1']);
});

test('deploymentStatus sums replica sets and reports availability', () => {
  const d = deployment(4, { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
  const n = rs('new', 2, { available: 2 });
  const s = deploymentStatus(d, n, [n, rs('old', 2, { available: 1 })], '2026-01-01T00:00:00Z');
  assert.equal(s.replicas, 4);
  assert.equal(s.updatedReplicas, 2);
  assert.equal(s.availableReplicas, 3);
  assert.equal(s.unavailableReplicas, 1);
  assert.equal(s.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  assert.equal(s.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');
});
