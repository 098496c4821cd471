import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { httpApi, podManifest, type HttpApi } from './http.js';

let cp: ControlPlane;
let api: HttpApi;

before(async () => {
  cp = await startControlPlane();
  api = httpApi(cp);
  const seed = await api.call('POST', '/api/v1/namespaces/default/pods', podManifest('existing'));
  assert.equal(seed.status, 201, seed.text);
});
after(async () => {
  api?.close();
  await cp?.stop();
});

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

function pod(mutate: (p: any) => void): any {
  const p = podManifest('bad');
  mutate(p);
  return p;
}

function deployment(mutate: (d: any) => void): any {
  const d = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bad-d' },
    spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  };
  mutate(d);
  return d;
}

interface Case {
  name: string;
  method?: string;
  path?: string;
  body: unknown;
  headers?: Record<string, string>;
  code: number;
  reason?: string;
  /** A field path that must be among details.causes (422), or a fragment of the message. */
  field?: string;
  message?: RegExp;
}

const BIG = JSON.stringify({ ...podManifest('huge'), metadata: { name: 'huge', annotations: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } } });

const CASES: Case[] = [
  { name: 'malformed JSON', body: '{"apiVersion": "v1", "kind": "Pod", ', code: 400, reason: 'BadRequest', message: /malformed JSON body/ },
  { name: 'malformed YAML', body: 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n', headers: { 'Content-Type': 'application/yaml' }, code: 400, message: /malformed YAML body/ },
  { name: 'YAML with two documents', body: 'apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\n', headers: { 'Content-Type': 'application/yaml' }, code: 400, message: /more than one document/ },
  { name: 'empty body', body: '', code: 400, message: /empty/ },
  { name: 'a JSON array instead of an object', body: '[1,2]', code: 400, message: /must be a JSON or YAML object/ },
  { name: 'a JSON string instead of an object', body: '"pod"', code: 400, message: /must be a JSON or YAML object/ },
  { name: 'metadata that is not an object', body: { apiVersion: 'v1', kind: 'Pod', metadata: 'x', spec: {} }, code: 400, message: /metadata must be an object/ },
  { name: 'unknown kind', body: { ...podManifest('x'), kind: 'Pood' }, code: 400, message: /no kind "Pood" is registered for version "v1"/ },
  { name: 'unknown apiVersion', body: { ...podManifest('x'), apiVersion: 'v2' }, code: 400, message: /no kind "Pod" is registered for version "v2"/ },
  { name: 'kind that does not match the path', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }, code: 400, message: /does not match the resource "pods"/ },
  { name: 'Deployment with the core apiVersion', path: DEPLOYS, body: { ...deployment(() => {}), apiVersion: 'v1' }, code: 400, message: /no kind "Deployment" is registered for version "v1"/ },
  { name: 'namespace in the body differs from the path', body: podManifest('x', { namespace: 'kube-system' }), code: 400, message: /does not match the namespace sent on the request/ },
  { name: 'missing name and generateName', body: pod((p) => delete p.metadata.name), code: 422, reason: 'Invalid', field: 'metadata.name' },
  { name: 'name with upper case', body: pod((p) => (p.metadata.name = 'Web')), code: 422, field: 'metadata.name' },
  { name: 'name with underscore', body: pod((p) => (p.metadata.name = 'web_1')), code: 422, field: 'metadata.name' },
  { name: 'name over 253 characters', body: pod((p) => (p.metadata.name = 'a'.repeat(254))), code: 422, field: 'metadata.name' },
  { name: 'namespace name that is not a DNS-1123 label', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }, code: 422, field: 'metadata.name' },
  { name: 'bad label key', body: pod((p) => (p.metadata.labels = { '-bad': 'x' })), code: 422, field: 'metadata.labels' },
  { name: 'bad label value', body: pod((p) => (p.metadata.labels = { app: 'has space' })), code: 422, field: 'metadata.labels' },
  { name: 'label value that is a number', body: pod((p) => (p.metadata.labels = { app: 5 })), code: 422, field: 'metadata.labels.app' },
  { name: 'missing spec', body: pod((p) => delete p.spec), code: 422, field: 'spec' },
  { name: 'no containers', body: pod((p) => (p.spec.containers = [])), code: 422, field: 'spec.containers' },
  { name: 'containers is not an array', body: pod((p) => (p.spec.containers = { name: 'c' })), code: 422, field: 'spec.containers' },
  { name: 'container without image', body: pod((p) => delete p.spec.containers[0].image), code: 422, field: 'spec.containers[0].image' },
  { name: 'container with an empty image', body: pod((p) => (p.spec.containers[0].image = '  ')), code: 422, field: 'spec.containers[0].image' },
  { name: 'container without name', body: pod((p) => delete p.spec.containers[0].name), code: 422, field: 'spec.containers[0].name' },
  { name: 'duplicate container names', body: pod((p) => p.spec.containers.push({ name: 'main', image: 'x' })), code: 422, field: 'spec.containers[1].name' },
  { name: 'image that is a number', body: pod((p) => (p.spec.containers[0].image = 42)), code: 422, field: 'spec.containers[0].image' },
  { name: 'bad cpu quantity', body: pod((p) => (p.spec.containers[0].resources = { requests: { cpu: '12x' } })), code: 422, field: 'spec.containers[0].resources.requests.cpu' },
  { name: 'bad memory limit', body: pod((p) => (p.spec.containers[0].resources = { limits: { memory: '1.2.3Gi' } })), code: 422, field: 'spec.containers[0].resources.limits.memory' },
  { name: 'negative quantity', body: pod((p) => (p.spec.containers[0].resources = { requests: { cpu: '-1' } })), code: 422, field: 'spec.containers[0].resources.requests.cpu' },
  { name: 'request above limit', body: pod((p) => (p.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '1' } })), code: 422, field: 'spec.containers[0].resources.requests.cpu' },
  { name: 'port out of range', body: pod((p) => (p.spec.containers[0].ports = [{ containerPort: 70000 }])), code: 422, field: 'spec.containers[0].ports[0].containerPort' },
  { name: 'port that is a string', body: pod((p) => (p.spec.containers[0].ports = [{ containerPort: '80' }])), code: 422, field: 'spec.containers[0].ports[0].containerPort' },
  { name: 'unsupported protocol', body: pod((p) => (p.spec.containers[0].ports = [{ containerPort: 80, protocol: 'HTTP' }])), code: 422, field: 'spec.containers[0].ports[0].protocol' },
  { name: 'unsupported restartPolicy', body: pod((p) => (p.spec.restartPolicy = 'Sometimes')), code: 422, field: 'spec.restartPolicy' },
  { name: 'unsupported imagePullPolicy', body: pod((p) => (p.spec.containers[0].imagePullPolicy = 'Maybe')), code: 422, field: 'spec.containers[0].imagePullPolicy' },
  { name: 'negative terminationGracePeriodSeconds', body: pod((p) => (p.spec.terminationGracePeriodSeconds = -5)), code: 422, field: 'spec.terminationGracePeriodSeconds' },
  { name: 'env var without name', body: pod((p) => (p.spec.containers[0].env = [{ value: 'x' }])), code: 422, field: 'spec.containers[0].env[0].name' },
  { name: 'probe with periodSeconds 0', body: pod((p) => (p.spec.containers[0].livenessProbe = { exec: { command: ['true'] }, periodSeconds: 0 })), code: 422, field: 'spec.containers[0].livenessProbe.periodSeconds' },
  { name: 'toleration with a bad effect', body: pod((p) => (p.spec.tolerations = [{ key: 'k', effect: 'Never' }])), code: 422, field: 'spec.tolerations[0].effect' },
  { name: 'nodeName that is not a DNS name', body: pod((p) => (p.spec.nodeName = 'Node One')), code: 422, field: 'spec.nodeName' },
  { name: 'deployment without selector', path: DEPLOYS, body: deployment((d) => delete d.spec.selector), code: 422, field: 'spec.selector' },
  { name: 'deployment selector that does not match the template', path: DEPLOYS, body: deployment((d) => (d.spec.template.metadata.labels = { app: 'y' })), code: 422, field: 'spec.template.metadata.labels' },
  { name: 'deployment with negative replicas', path: DEPLOYS, body: deployment((d) => (d.spec.replicas = -1)), code: 422, field: 'spec.replicas' },
  { name: 'deployment with a bad maxSurge', path: DEPLOYS, body: deployment((d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'lots' } })), code: 422, field: 'spec.strategy.rollingUpdate.maxSurge' },
  { name: 'deployment template container without image', path: DEPLOYS, body: deployment((d) => delete d.spec.template.spec.containers[0].image), code: 422, field: 'spec.template.spec.containers[0].image' },
  { name: 'event without involvedObject', path: '/api/v1/namespaces/default/events', body: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' } }, code: 422, field: 'involvedObject' },
  { name: 'node with a bad capacity quantity', path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: 'two' } } }, code: 422, field: 'status.capacity.cpu' },
  { name: 'body over 3 MiB', body: BIG, code: 413, reason: 'RequestEntityTooLarge' },
  { name: 'unsupported Content-Type', body: '<pod/>', headers: { 'Content-Type': 'application/xml' }, code: 415, reason: 'UnsupportedMediaType' },
  { name: 'create of an existing name', body: podManifest('existing'), code: 409, reason: 'AlreadyExists' },
  { name: 'create in a missing namespace', path: '/api/v1/namespaces/missing/pods', body: podManifest('x'), code: 404, reason: 'NotFound' },
  { name: 'create without a namespace in the path', path: '/api/v1/pods', body: podManifest('x'), code: 405, reason: 'MethodNotAllowed' },
  { name: 'unknown resource', path: '/api/v1/namespaces/default/widgets', body: podManifest('x'), code: 404, reason: 'NotFound' },
  { name: 'unknown subresource', method: 'GET', path: `${PODS}/existing/exec`, body: undefined, code: 404, reason: 'NotFound' },
  { name: 'PUT with a name differing from the URL', method: 'PUT', path: `${PODS}/existing`, body: podManifest('other'), code: 400, message: /does not match the name on the URL/ },
  { name: 'PUT with a bad resourceVersion', method: 'PUT', path: `${PODS}/existing`, body: pod((p) => { p.metadata.name = 'existing'; p.metadata.resourceVersion = 'abc'; }), code: 400 },
  { name: 'PATCH with an unsupported patch type', method: 'PATCH', path: `${PODS}/existing`, body: '{}', headers: { 'Content-Type': 'application/json' }, code: 415 },
  { name: 'merge patch that is not an object', method: 'PATCH', path: `${PODS}/existing`, body: '[1]', headers: { 'Content-Type': 'application/merge-patch+json' }, code: 400 },
  { name: 'merge patch making the pod invalid', method: 'PATCH', path: `${PODS}/existing/status`, body: { status: { phase: 'Sleeping' } }, headers: { 'Content-Type': 'application/merge-patch+json' }, code: 422, field: 'status.phase' },
  { name: 'bad label selector', method: 'GET', path: `${PODS}?labelSelector=${encodeURIComponent('a in (x')}`, body: undefined, code: 400, message: /unbalanced/ },
  { name: 'unsupported field selector', method: 'GET', path: `${PODS}?fieldSelector=spec.foo%3Dx`, body: undefined, code: 400, message: /field label not supported/ },
  { name: 'watch with a bad resourceVersion', method: 'GET', path: `${PODS}?watch=true&resourceVersion=abc`, body: undefined, code: 400 },
  { name: 'bad timeoutSeconds', method: 'GET', path: `${PODS}?watch=true&timeoutSeconds=soon`, body: undefined, code: 400 },
  { name: 'bad gracePeriodSeconds', method: 'DELETE', path: `${PODS}/existing?gracePeriodSeconds=soon`, body: undefined, code: 400 },
  { name: 'bad propagationPolicy', method: 'DELETE', path: `${PODS}/existing?propagationPolicy=Sideways`, body: undefined, code: 400 },
  { name: 'binding without a target', method: 'POST', path: `${PODS}/existing/binding`, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'existing' } }, code: 422, field: 'target' },
  { name: 'binding to a node name that is not a DNS name', method: 'POST', path: `${PODS}/existing/binding`, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'existing' }, target: { kind: 'Node', name: 'Bad Node' } }, code: 422, field: 'target.name' },
  { name: 'name that is a number', body: pod((p) => (p.metadata.name = 123)), code: 422, field: 'metadata.name' },
  { name: 'GET of a missing pod', method: 'GET', path: `${PODS}/nope`, body: undefined, code: 404, message: /pods "nope" not found/ },
  { name: 'method not allowed on status', method: 'POST', path: `${PODS}/existing/status`, body: {}, code: 405 },
];

test(`bad inputs are answered with a Status, the right code and field path (${CASES.length} cases)`, async () => {
  assert.ok(CASES.length >= 30);
  const failures: string[] = [];
  for (const c of CASES) {
    const r = await api.call(c.method ?? 'POST', c.path ?? PODS, c.body, c.headers);
    const problems: string[] = [];
    if (r.status !== c.code) problems.push(`code ${r.status}, want ${c.code}`);
    if (r.body?.kind !== 'Status') problems.push(`body is not a Status: ${r.text.slice(0, 120)}`);
    else {
      if (r.body.code !== c.code) problems.push(`Status.code ${r.body.code}`);
      if (r.body.status !== 'Failure') problems.push(`Status.status ${r.body.status}`);
      if (/\n\s+at /.test(r.body.message ?? '')) problems.push('message carries a stack trace');
      if (c.reason && r.body.reason !== c.reason) problems.push(`reason ${r.body.reason}, want ${c.reason}`);
      if (c.field) {
        const fields = (r.body.details?.causes ?? []).map((x: any) => x.field);
        if (!fields.includes(c.field)) problems.push(`causes ${JSON.stringify(fields)} lack ${c.field}`);
        if (!String(r.body.message).includes(c.field)) problems.push(`message lacks ${c.field}: ${r.body.message}`);
      }
      if (c.message && !c.message.test(r.body.message ?? '')) problems.push(`message ${JSON.stringify(r.body.message)} does not match ${c.message}`);
    }
    if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}`);
  }
  assert.deepEqual(failures, []);
  // Nothing half-made: the bad pods were not stored.
  const list = await api.call('GET', PODS);
  assert.deepEqual(list.body.items.map((p: any) => p.metadata.name), ['existing']);
});

test('the 422 Status names kind, name and each cause in Kubernetes form', async () => {
  const r = await api.call('POST', PODS, pod((p) => delete p.spec.containers[0].image));
  assert.equal(r.status, 422);
  assert.equal(r.body.message, 'Pod "bad" is invalid: spec.containers[0].image: Required value');
  assert.deepEqual(r.body.details, { name: 'bad', group: '', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' }] });
});

test('a YAML body is accepted when well formed', async () => {
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n';
  const r = await api.call('POST', PODS, yaml, { 'Content-Type': 'application/yaml' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.metadata.name, 'from-yaml');
  await api.call('DELETE', `${PODS}/from-yaml`);
});
