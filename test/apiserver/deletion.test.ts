import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideDelete, podGracePeriod, removableAfterUpdate } from '../../apiserver/deletion.js';
import type { Pod, KubeObject } from '../../api/types.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const pod = (spec: Partial<Pod['spec']>, meta: Partial<Pod['metadata']> = {}, phase?: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...meta }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec }, ...(phase ? { status: { phase: phase as any } } : {}),
});

test('pod grace periods: unbound or finished pods get none; else request, then the pod spec', () => {
  assert.equal(podGracePeriod(pod({}), undefined), 0);
  assert.equal(podGracePeriod(pod({ nodeName: 'n' }, {}, 'Succeeded'), 30), 0);
  assert.equal(podGracePeriod(pod({ nodeName: 'n', terminationGracePeriodSeconds: 12 }), undefined), 12);
  assert.equal(podGracePeriod(pod({ nodeName: 'n', terminationGracePeriodSeconds: 12 }), 3), 3);
  assert.equal(podGracePeriod(pod({ nodeName: 'n' }), undefined), 30);
});

test('decideDelete: marks bound pods, removes at grace 0, never lengthens a grace period', () => {
  assert.deepEqual(decideDelete(pod({}), {}, NOW), { action: 'remove' });
  const d = decideDelete(pod({ nodeName: 'n', terminationGracePeriodSeconds: 10 }), {}, NOW);
  assert.equal(d.action, 'mark');
  const marked = (d as { obj: Pod }).obj;
  assert.equal(marked.metadata.deletionTimestamp, '2026-01-01T00:00:10Z');
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 10);
  const longer = decideDelete(marked, { gracePeriodSeconds: 60 }, NOW + 1000);
  assert.equal((longer as { obj: Pod }).obj.metadata.deletionGracePeriodSeconds, 10);
  assert.deepEqual(decideDelete(marked, { gracePeriodSeconds: 0 }, NOW), { action: 'remove' });
});

test('decideDelete: finalizers and propagation policies', () => {
  const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' } };
  assert.deepEqual(decideDelete(rs, {}, NOW), { action: 'remove' });
  assert.deepEqual(decideDelete(rs, { propagationPolicy: 'Background' }, NOW), { action: 'remove' });
  const orphan = decideDelete(rs, { propagationPolicy: 'Orphan' }, NOW) as { action: 'mark'; obj: KubeObject };
  assert.deepEqual(orphan.obj.metadata.finalizers, ['orphan']);
  assert.equal(orphan.obj.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
  const fg = decideDelete(rs, { propagationPolicy: 'Foreground' }, NOW) as { action: 'mark'; obj: KubeObject };
  assert.deepEqual(fg.obj.metadata.finalizers, ['foregroundDeletion']);
  assert.equal(removableAfterUpdate({ ...orphan.obj, metadata: { ...orphan.obj.metadata, finalizers: [] } }), true);
  assert.equal(removableAfterUpdate(orphan.obj), false);
  assert.equal(removableAfterUpdate(rs), false);
  assert.equal(rs.metadata.finalizers, undefined, 'the input is not changed');
});
