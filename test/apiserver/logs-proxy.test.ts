import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { freePort } from '../../apiserver/etcd-process.js';
import { httpApi, podManifest, type HttpApi } from './http.js';

// The agent's side of the contract (GET /containerLogs/NS/POD/CONTAINER with the admin token) is
// served here by a plain HTTP endpoint that records what it was asked and streams two chunks.
let cp: ControlPlane;
let api: HttpApi;
let agent: Server;
const seen: { url: string; auth: string | undefined }[] = [];

before(async () => {
  cp = await startControlPlane();
  api = httpApi(cp);
  agent = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (req.url?.includes('previous=true')) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'previous terminated container "main" in pod "logged" not found' }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('line one\n');
    setTimeout(() => res.end('line two\n'), 300);
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', () => r()));
  const port = (agent.address() as AddressInfo).port;
  const node = (name: string, p: number) => ({
    apiVersion: 'v1', kind: 'Node', metadata: { name },
    status: { addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: p } } },
  });
  assert.equal((await api.call('POST', '/api/v1/nodes', node('logs-node', port))).status, 201);
  assert.equal((await api.call('POST', '/api/v1/nodes', node('dead-node', await freePort()))).status, 201);
  for (const [name, nodeName, containers] of [['logged', 'logs-node', 1], ['two', 'logs-node', 2], ['orphan', 'dead-node', 1], ['pending', undefined, 1]] as const) {
    const spec: any = { containers: Array.from({ length: containers }, (_, i) => ({ name: i ? `side` : 'main', image: 'busybox:1.36' })) };
    if (nodeName) spec.nodeName = nodeName;
    assert.equal((await api.call('POST', '/api/v1/namespaces/default/pods', podManifest(name, { spec })).then((r) => r.status)), 201);
  }
});
after(async () => {
  api?.close();
  await new Promise<void>((r) => agent?.close(() => r()));
  await cp?.stop();
});

test('pods/log streams the agent answer with the query passed on and the admin token', async () => {
  const t0 = Date.now();
  const r = await api.call('GET', '/api/v1/namespaces/default/pods/logged/log?follow=true&tailLines=5&timestamps=true&previous=false');
  assert.equal(r.status, 200, r.text);
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  assert.equal(r.text, 'line one\nline two\n');
  assert.ok(Date.now() - t0 >= 250, 'the stream lasted as long as the agent kept it open');
  const last = seen.at(-1)!;
  const u = new URL(last.url, 'http://x');
  assert.equal(u.pathname, '/containerLogs/default/logged/main');
  assert.equal(u.searchParams.get('follow'), 'true');
  assert.equal(u.searchParams.get('tailLines'), '5');
  assert.equal(u.searchParams.get('timestamps'), 'true');
  assert.equal(last.auth, `Bearer ${cp.token}`);
  const named = await api.call('GET', '/api/v1/namespaces/default/pods/two/log?container=side');
  assert.equal(named.status, 200);
  assert.equal(new URL(seen.at(-1)!.url, 'http://x').pathname, '/containerLogs/default/two/side');
});

test('pods/log errors: missing pod 404, unbound 400, container choice 400, agent unreachable 503, agent Status passed on', async () => {
  const missing = await api.call('GET', '/api/v1/namespaces/default/pods/nope/log');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.message, 'pods "nope" not found');
  const pending = await api.call('GET', '/api/v1/namespaces/default/pods/pending/log');
  assert.equal(pending.status, 400);
  assert.match(pending.body.message, /not bound to a node yet/);
  const choose = await api.call('GET', '/api/v1/namespaces/default/pods/two/log');
  assert.equal(choose.status, 400);
  assert.match(choose.body.message, /a container name must be specified for pod two, choose one of: \[main side\]/);
  const wrong = await api.call('GET', '/api/v1/namespaces/default/pods/logged/log?container=zzz');
  assert.equal(wrong.status, 400);
  const dead = await api.call('GET', '/api/v1/namespaces/default/pods/orphan/log');
  assert.equal(dead.status, 503);
  assert.equal(dead.body.kind, 'Status');
  assert.match(dead.body.message, /cannot reach the agent of node dead-node/);
  const agentStatus = await api.call('GET', '/api/v1/namespaces/default/pods/logged/log?container=main&previous=true');
  assert.equal(agentStatus.status, 404);
  assert.equal(agentStatus.body.message, 'previous terminated container "main" in pod "logged" not found');
});
