import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject, fieldPath, dns1123LabelError, dns1123SubdomainError } from '../../api/validation.js';
import { applyDefaults, imagePullPolicyFor } from '../../api/defaults.js';
import { applyMergePatch, applyJsonPatch } from '../../api/merge-patch.js';
import { ERROR_CODES, statusFromError, errorFromStatus, InvalidError, NotFoundError, ConflictError } from '../../api/errors.js';

const goodPod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } });

test('valid objects have no causes; field paths are Kubernetes-style', () => {
  assert.deepEqual(validateObject('Pod', goodPod()), []);
  assert.equal(fieldPath('/spec/containers/0/image'), 'spec.containers[0].image');
  assert.equal(fieldPath('/spec/containers/1', 'name'), 'spec.containers[1].name');
  assert.equal(fieldPath('', 'spec'), 'spec');
  assert.equal(dns1123LabelError('web-1'), undefined);
  assert.ok(dns1123LabelError('a.b'));
  assert.equal(dns1123SubdomainError('a.b-c'), undefined);
  assert.ok(dns1123SubdomainError('-a'));
});

test('validation reports every problem at once', () => {
  const p: any = goodPod();
  p.spec.containers[0] = { name: 'Bad_Name', resources: { requests: { cpu: 'x' } } };
  p.spec.restartPolicy = 'Sometimes';
  const fields = validateObject('Pod', p).map((c) => c.field).sort();
  assert.deepEqual(fields, ['spec.containers[0].image', 'spec.containers[0].name', 'spec.containers[0].resources.requests.cpu', 'spec.restartPolicy']);
});

test('defaults fill only what is absent and are idempotent', () => {
  const p: any = goodPod();
  p.spec.containers[0].ports = [{ containerPort: 80 }];
  p.spec.containers[0].resources = { limits: { cpu: '1' } };
  p.spec.containers[0].readinessProbe = { httpGet: { port: 80 } };
  applyDefaults('Pod', p);
  const once = JSON.stringify(p);
  applyDefaults('Pod', p);
  assert.equal(JSON.stringify(p), once);
  assert.equal(p.spec.restartPolicy, 'Always');
  assert.equal(p.spec.terminationGracePeriodSeconds, 30);
  assert.equal(p.spec.containers[0].ports[0].protocol, 'TCP');
  assert.deepEqual(p.spec.containers[0].resources.requests, { cpu: '1' }, 'requests default to limits');
  assert.deepEqual(p.spec.containers[0].readinessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  const keep: any = goodPod();
  keep.spec.restartPolicy = 'Never';
  applyDefaults('Pod', keep);
  assert.equal(keep.spec.restartPolicy, 'Never');
  const bad: any = { metadata: {}, spec: { containers: 'nope' } };
  assert.doesNotThrow(() => applyDefaults('Pod', bad), 'defaults never throw on malformed input');
  assert.equal(imagePullPolicyFor('nginx'), 'Always');
  assert.equal(imagePullPolicyFor('nginx:latest'), 'Always');
  assert.equal(imagePullPolicyFor('nginx:1.25'), 'IfNotPresent');
  assert.equal(imagePullPolicyFor('localhost:5000/nginx'), 'Always');
  assert.equal(imagePullPolicyFor('localhost:5000/nginx:2'), 'IfNotPresent');
  assert.equal(imagePullPolicyFor('nginx@sha256:abc'), 'IfNotPresent');
});

test('merge patch and JSON patch', () => {
  assert.deepEqual(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] }), { a: 1, b: { d: 3, e: 4 }, l: [3] });
  assert.deepEqual(applyMergePatch({ a: 1 }, { $setElementOrder: [], a: 2 }), { a: 2 });
  const doc = { metadata: { labels: { a: '1' } }, list: [1, 2, 3] };
  assert.deepEqual(applyJsonPatch(doc, [
    { op: 'add', path: '/metadata/labels/b', value: '2' },
    { op: 'remove', path: '/list/0' },
    { op: 'add', path: '/list/-', value: 4 },
    { op: 'test', path: '/metadata/labels/a', value: '1' },
  ]), { metadata: { labels: { a: '1', b: '2' } }, list: [2, 3, 4] });
  assert.deepEqual(doc.list, [1, 2, 3], 'the input is not changed');
  assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 9 }]), InvalidError);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'replace', path: '/nope/x', value: 1 }]), InvalidError);
  assert.throws(() => applyJsonPatch(doc, { op: 'add' }));
});

test('error codes are unique and documented; Status round-trips', () => {
  for (const [code, v] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^FLT_ERR_[A-Z_]+$/);
    assert.ok(v.doc.length > 10, `${code} is documented`);
    assert.ok(v.http >= 400 && v.http < 600);
  }
  const s = statusFromError(NotFoundError.object('pods', 'x'));
  assert.deepEqual(s, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', code: 404, details: { name: 'x', group: '', kind: 'pods' } });
  const back = errorFromStatus(s);
  assert.equal(back.code, 'FLT_ERR_API_NOT_FOUND');
  assert.equal(back.httpStatus, 404);
  assert.equal(errorFromStatus({ code: 409, reason: 'Conflict', message: 'm' }).code, 'FLT_ERR_API_CONFLICT');
  assert.ok(new ConflictError('x') instanceof Error);
  const internal = statusFromError(new TypeError('boom'));
  assert.equal(internal.code, 500);
  assert.ok(!/at /.test(internal.message ?? ''), 'no stack in the message');
});

test('strategic merge patch merges keyed lists and honours directives', async () => {
  const { applyStrategicMergePatch } = await import('../../api/merge-patch.js');
  const live = {
    metadata: { finalizers: ['a'] },
    spec: { containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }] }, { name: 'side', image: 'busybox' }], tolerations: [{ key: 'x' }] },
  };
  const out: any = applyStrategicMergePatch(live, {
    metadata: { finalizers: ['b'] },
    spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'web' }], containers: [{ name: 'web', image: 'nginx:2' }], tolerations: [{ key: 'y' }] },
  });
  assert.deepEqual(out.spec.containers, [{ name: 'side', image: 'busybox' }, { name: 'web', image: 'nginx:2', ports: [{ containerPort: 80 }] }]);
  assert.deepEqual(out.spec.tolerations, [{ key: 'y' }], 'lists without a merge key are replaced');
  assert.deepEqual(out.metadata.finalizers, ['a', 'b'], 'finalizers are unioned');
  const del: any = applyStrategicMergePatch(live, { spec: { containers: [{ name: 'side', $patch: 'delete' }] }, metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
  assert.deepEqual(del.spec.containers.map((c: any) => c.name), ['web']);
  assert.deepEqual(del.metadata.finalizers, []);
  const retained: any = applyStrategicMergePatch({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } }, { strategy: { $retainKeys: ['type'], type: 'Recreate' } });
  assert.deepEqual(retained.strategy, { type: 'Recreate' });
  assert.deepEqual(applyStrategicMergePatch({ a: { b: 1 } }, { a: { $patch: 'replace', c: 2 } }), { a: { c: 2 } });
});
