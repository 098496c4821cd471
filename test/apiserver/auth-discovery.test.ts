import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { startApiServer } from '../../apiserver/server.js';
import { httpApi, podManifest, type HttpApi } from './http.js';

let cp: ControlPlane;
let api: HttpApi;

before(async () => {
  cp = await startControlPlane();
  api = httpApi(cp);
});
after(async () => {
  api?.close();
  await cp?.stop();
});

test('no token or a wrong token is a 401 Status; health endpoints need none', async () => {
  const none = httpApi(cp, null);
  const wrong = httpApi(cp, 'not-the-token');
  try {
    for (const c of [none, wrong]) {
      const r = await c.call('GET', '/api/v1/pods');
      assert.equal(r.status, 401);
      assert.equal(r.body.kind, 'Status');
      assert.equal(r.body.reason, 'Unauthorized');
      assert.equal((await c.call('POST', '/api/v1/namespaces/default/pods', podManifest('x'))).status, 401);
      assert.equal((await c.call('GET', '/version')).status, 401);
    }
    for (const p of ['/healthz', '/readyz', '/livez']) {
      const r = await none.call('GET', p);
      assert.equal(r.status, 200, p);
      assert.equal(r.text, 'ok');
    }
    assert.equal((await api.call('GET', '/api/v1/namespaces/default/pods/x')).status, 404, 'the admin token works');
  } finally {
    none.close();
    wrong.close();
  }
});

test('only HTTPS is served, with a certificate for 127.0.0.1 and localhost signed by the CA', async () => {
  const http = await fetch(cp.url.replace('https:', 'http:') + '/healthz').then((r) => r.status, () => 'refused');
  assert.notEqual(http, 200, 'plain HTTP must not be served');
  const cert = new X509Certificate(readFileSync(join(cp.dataDir, 'pki', 'server.crt')));
  assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
  assert.ok(cert.verify(new X509Certificate(cp.caPem).publicKey), 'signed by the CA');
  const untrusted = await new Promise<string>((resolve) => {
    const req = request(cp.url + '/healthz', (res) => resolve(String(res.statusCode)));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
  assert.match(untrusted, /self.signed|unable to verify|certificate/i, 'a client without the CA refuses the server');
});

test('a restart reuses the CA, the serving certificate and the admin token', async () => {
  const second = await startApiServer({ listen: '127.0.0.1:0', dataDir: cp.dataDir, etcdEndpoints: cp.etcdEndpoints, logLevel: 'warn' });
  try {
    assert.equal(second.token, cp.token);
    assert.equal(second.caPem, cp.caPem);
  } finally {
    await second.close();
  }
});

test('discovery documents describe the served resources', async () => {
  const v = await api.call('GET', '/version');
  assert.equal(v.status, 200);
  assert.equal(v.body.major, '1');
  assert.match(v.body.gitVersion, /^v1\.\d+\.\d+/);
  const core = await api.call('GET', '/api');
  assert.deepEqual(core.body.versions, ['v1']);
  const v1 = await api.call('GET', '/api/v1');
  assert.equal(v1.body.kind, 'APIResourceList');
  const names = v1.body.resources.map((r: any) => r.name);
  for (const n of ['pods', 'pods/status', 'pods/binding', 'pods/log', 'nodes', 'nodes/status', 'namespaces', 'events']) assert.ok(names.includes(n), n);
  const pods = v1.body.resources.find((r: any) => r.name === 'pods');
  assert.equal(pods.kind, 'Pod');
  assert.equal(pods.namespaced, true);
  assert.deepEqual(pods.shortNames, ['po']);
  assert.ok(pods.verbs.includes('watch'));
  const groups = await api.call('GET', '/apis');
  assert.equal(groups.body.kind, 'APIGroupList');
  assert.deepEqual(groups.body.groups.map((g: any) => g.name).sort(), ['apps', 'coordination.k8s.io']);
  const apps = await api.call('GET', '/apis/apps/v1');
  assert.deepEqual(apps.body.resources.filter((r: any) => !r.name.includes('/')).map((r: any) => r.name).sort(), ['deployments', 'replicasets']);
  const coord = await api.call('GET', '/apis/coordination.k8s.io/v1');
  assert.equal(coord.body.resources[0].name, 'leases');
  assert.equal((await api.call('GET', '/apis/batch/v1')).status, 404);
  const t0 = Date.now();
  assert.equal((await api.call('GET', '/openapi/v2')).status, 404);
  assert.ok(Date.now() - t0 < 2000, '/openapi/v2 answers quickly');
});

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

test('tables: pods show READY, STATUS and RESTARTS as kubectl computes them', async () => {
  const mk = async (name: string, status: any, extra: any = {}) => {
    const r = await api.call('POST', '/api/v1/namespaces/default/pods', podManifest(name, { spec: { nodeName: 'node-1', ...extra } }));
    assert.equal(r.status, 201, r.text);
    const s = await api.call('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { status }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(s.status, 200, s.text);
  };
  const cs = (state: any, extra: any = {}) => ({ containerStatuses: [{ name: 'main', image: 'busybox:1.36', ready: false, restartCount: 0, state, ...extra }] });
  await mk('t-running', { phase: 'Running', podIP: '10.244.1.9', ...cs({ running: { startedAt: '2026-01-01T00:00:00Z' } }, { ready: true }) });
  await mk('t-crash', { phase: 'Running', ...cs({ waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 4 }) });
  await mk('t-oom', { phase: 'Running', ...cs({ terminated: { exitCode: 137, reason: 'OOMKilled' } }) });
  await mk('t-done', { phase: 'Succeeded', ...cs({ terminated: { exitCode: 0, reason: 'Completed' } }) });
  await mk('t-error', { phase: 'Failed', ...cs({ terminated: { exitCode: 1, reason: 'Error' } }) });
  await mk('t-term', { phase: 'Running' });
  await api.call('DELETE', '/api/v1/namespaces/default/pods/t-term');
  const r = await api.call('GET', '/api/v1/namespaces/default/pods', undefined, { Accept: TABLE });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.kind, 'Table');
  assert.equal(r.body.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(r.body.columnDefinitions.map((c: any) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node']);
  assert.deepEqual(r.body.columnDefinitions.map((c: any) => c.priority), [0, 0, 0, 0, 0, 1, 1]);
  const rows = new Map(r.body.rows.map((row: any) => [row.cells[0], row.cells]));
  assert.deepEqual((rows.get('t-running') as any[]).slice(1, 4), ['1/1', 'Running', '0']);
  assert.deepEqual((rows.get('t-running') as any[]).slice(5), ['10.244.1.9', 'node-1']);
  assert.deepEqual((rows.get('t-crash') as any[]).slice(1, 4), ['0/1', 'CrashLoopBackOff', '4']);
  assert.equal((rows.get('t-oom') as any[])[2], 'OOMKilled');
  assert.equal((rows.get('t-done') as any[])[2], 'Completed');
  assert.equal((rows.get('t-error') as any[])[2], 'Error');
  assert.equal((rows.get('t-term') as any[])[2], 'Terminating');
  assert.equal(r.body.rows[0].object.kind, 'PartialObjectMetadata');
  const one = await api.call('GET', '/api/v1/namespaces/default/pods/t-crash', undefined, { Accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io' });
  assert.equal(one.body.apiVersion, 'meta.k8s.io/v1beta1');
  assert.equal(one.body.rows.length, 1);
});

test('tables: nodes show Ready/NotReady/Unknown and SchedulingDisabled; deployments and namespaces have their columns', async () => {
  const node = async (name: string, ready: string | undefined, unschedulable = false) => {
    const r = await api.call('POST', '/api/v1/nodes', {
      apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'node-role.kubernetes.io/control-plane': '' } }, spec: { unschedulable },
      status: { conditions: ready ? [{ type: 'Ready', status: ready }] : [], nodeInfo: { kubeletVersion: 'flotilla-0.1.0' } },
    });
    assert.equal(r.status, 201, r.text);
  };
  await node('n-ready', 'True');
  await node('n-notready', 'False');
  await node('n-unknown', undefined);
  await node('n-cordoned', 'True', true);
  const r = await api.call('GET', '/api/v1/nodes', undefined, { Accept: TABLE });
  assert.deepEqual(r.body.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version']);
  const status = Object.fromEntries(r.body.rows.map((row: any) => [row.cells[0], row.cells[1]]));
  assert.deepEqual(status, { 'n-cordoned': 'Ready,SchedulingDisabled', 'n-notready': 'NotReady', 'n-ready': 'Ready', 'n-unknown': 'Unknown' });
  assert.equal(r.body.rows[0].cells[2], 'control-plane');
  assert.equal(r.body.rows[0].cells[4], 'flotilla-0.1.0');
  const ns = await api.call('GET', '/api/v1/namespaces', undefined, { Accept: TABLE });
  assert.deepEqual(ns.body.columnDefinitions.map((c: any) => c.name), ['Name', 'Status', 'Age']);
  assert.ok(ns.body.rows.some((row: any) => row.cells[0] === 'default' && row.cells[1] === 'Active'));
  const d = await api.call('GET', '/apis/apps/v1/namespaces/default/deployments', undefined, { Accept: TABLE });
  assert.deepEqual(d.body.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
  const rs = await api.call('GET', '/apis/apps/v1/namespaces/default/replicasets', undefined, { Accept: TABLE });
  assert.deepEqual(rs.body.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age']);
});
