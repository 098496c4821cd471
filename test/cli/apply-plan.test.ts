import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAST_APPLIED, applyMergePatch, desiredWithAnnotation, planApply, threeWayPatch } from '../../cli/flotctl/apply-plan.js';
import type { KubeObject } from '../../api/types.js';

const manifest = (image: string, labels: Record<string, string> = { app: 'web' }): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels },
  spec: { containers: [{ name: 'c', image }] },
} as unknown as KubeObject);

/** live is what the server would store after a create of `m`: defaults added, status, metadata. */
function live(m: KubeObject): KubeObject {
  const o = structuredClone(desiredWithAnnotation(m)) as KubeObject & { spec: { containers: Record<string, unknown>[]; restartPolicy?: string; nodeName?: string } };
  o.metadata = { ...o.metadata, namespace: 'default', uid: 'u1', resourceVersion: '10', creationTimestamp: '2026-11-23T08:00:00Z' };
  o.spec.restartPolicy = 'Always';
  o.spec.nodeName = 'node-1';
  (o as unknown as { status: unknown }).status = { phase: 'Running' };
  return o;
}

test('the same manifest again is unchanged even though the server added defaults and status', () => {
  const m = manifest('nginx:1');
  assert.deepEqual(planApply(m, live(m)), { action: 'unchanged' });
});

test('a changed image is configured, keeping fields the manifest never set and the live resourceVersion', () => {
  const plan = planApply(manifest('nginx:2'), live(manifest('nginx:1')));
  assert.equal(plan.action, 'configure');
  if (plan.action !== 'configure') return;
  const spec = (plan.object as unknown as { spec: { containers: { image: string }[]; nodeName: string; restartPolicy: string } }).spec;
  assert.equal(spec.containers[0].image, 'nginx:2');
  assert.equal(spec.nodeName, 'node-1');
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(plan.object.metadata.resourceVersion, '10');
  assert.equal(plan.object.metadata.uid, 'u1');
  assert.match(plan.object.metadata.annotations?.[LAST_APPLIED] ?? '', /nginx:2/);
});

test('a label dropped from the manifest is removed; labels added by others stay', () => {
  const before = live(manifest('nginx:1', { app: 'web', tier: 'front' }));
  before.metadata.labels = { ...before.metadata.labels, owner: 'someone-else' };
  const plan = planApply(manifest('nginx:1', { app: 'web' }), before);
  assert.equal(plan.action, 'configure');
  if (plan.action === 'configure') assert.deepEqual(plan.object.metadata.labels, { app: 'web', owner: 'someone-else' });
});

test('an object created without apply gets the annotation on the first apply (configured), then is unchanged', () => {
  const m = manifest('nginx:1');
  const created = live(m);
  delete created.metadata.annotations;
  const plan = planApply(m, created);
  assert.equal(plan.action, 'configure');
  if (plan.action === 'configure') assert.deepEqual(planApply(m, plan.object), { action: 'unchanged' });
});

test('threeWayPatch and applyMergePatch follow RFC 7386', () => {
  assert.deepEqual(threeWayPatch({ a: 1, b: 2 }, { a: 1, c: 3 }, { a: 1, b: 2, d: 4 }), { c: 3, b: null });
  assert.deepEqual(applyMergePatch({ a: { x: 1, y: 2 }, b: [1] }, { a: { y: null, z: 3 }, b: [2] }), { a: { x: 1, z: 3 }, b: [2] });
});

test('server defaults inside list elements (a container\'s imagePullPolicy) do not count as a change', () => {
  const m = manifest('nginx:1');
  const l = live(m);
  (l as unknown as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0].imagePullPolicy = 'IfNotPresent';
  assert.deepEqual(planApply(m, l), { action: 'unchanged' });
});

test('a field dropped from a list element since the last apply replaces the list', () => {
  const withCommand = manifest('nginx:1');
  (withCommand as unknown as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0].command = ['sleep', '1'];
  const l = live(withCommand);
  const plan = planApply(manifest('nginx:1'), l);
  assert.equal(plan.action, 'configure');
  if (plan.action === 'configure') {
    assert.deepEqual((plan.object as unknown as { spec: { containers: unknown[] } }).spec.containers, [{ name: 'c', image: 'nginx:1' }]);
  }
});
