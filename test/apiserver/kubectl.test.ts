import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireCommand } from '../helpers/root.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { httpApi, type HttpApi } from './http.js';

const run = promisify(execFile);
let cp: ControlPlane;
let api: HttpApi;
let dir: string;

before(async () => {
  cp = await startControlPlane();
  api = httpApi(cp);
  dir = mkdtempSync(join(tmpdir(), 'flotilla-kubectl-'));
  writeFileSync(join(dir, 'empty-kubeconfig'), '');
});
after(async () => {
  api?.close();
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** kubectl runs the real kubectl against the test server only (empty kubeconfig, no cache); the server runs in this process, so it must be async. */
async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('kubectl', ['--kubeconfig', join(dir, 'empty-kubeconfig'), '--cache-dir', join(dir, 'cache'), '--server', cp.url, '--token', cp.token, '--certificate-authority', cp.caFile, '--request-timeout', '20s', ...args], { timeout: 60000, env: { ...process.env, KUBECONFIG: '/dev/null', HOME: dir } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

function header(out: string): string[] {
  return (out.split('\n')[0] ?? '').trim().split(/\s{2,}/);
}

test('kubectl get pods, create -f, get -o wide, get nodes and delete pod work against the server', async (t) => {
  if (!(await requireCommand(t, 'kubectl'))) return;
  const empty = await kubectl('get', 'pods');
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stderr, /No resources found in default namespace/);

  const file = join(dir, 'pod.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-web\n  labels:\n    app: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n    resources:\n      requests:\n        cpu: 100m\n        memory: 64Mi\n');
  const created = await kubectl('create', '-f', file);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout.trim(), 'pod/kube-web created');

  const got = await kubectl('get', 'pods');
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual(header(got.stdout), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.match(got.stdout, /^kube-web\s+0\/1\s+Pending\s+0\s+\d+s$/m);

  const wide = await kubectl('get', 'pods', '-o', 'wide');
  assert.deepEqual(header(wide.stdout), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']);

  const all = await kubectl('get', 'pods', '-A', '-l', 'app=web');
  assert.deepEqual(header(all.stdout), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.match(all.stdout, /^default\s+kube-web\s/m);

  const node = await api.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'kube-node-1' }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'flotilla-0.1.0' } } });
  assert.equal(node.status, 201, node.text);
  const nodes = await kubectl('get', 'nodes');
  assert.equal(nodes.code, 0, nodes.stderr);
  assert.deepEqual(header(nodes.stdout), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
  assert.match(nodes.stdout, /^kube-node-1\s+Ready\s+<none>\s+\d+s\s+flotilla-0\.1\.0$/m);

  const json = await kubectl('get', 'pod', 'kube-web', '-o', 'jsonpath={.spec.containers[0].imagePullPolicy}');
  assert.equal(json.stdout, 'IfNotPresent');

  const deleted = await kubectl('delete', 'pod', 'kube-web');
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout.trim(), 'pod "kube-web" deleted');
  assert.equal((await api.call('GET', '/api/v1/namespaces/default/pods/kube-web')).status, 404);

  const missing = await kubectl('get', 'pod', 'kube-web');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /pods "kube-web" not found/);
});

test('kubectl apply, label, scale and a bad manifest', async (t) => {
  if (!(await requireCommand(t, 'kubectl'))) return;
  const file = join(dir, 'deploy.yaml');
  const manifest = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kube-d\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: d}\n  template:\n    metadata:\n      labels: {app: d}\n    spec:\n      containers:\n      - name: c\n        image: ${image}\n        ports:\n        - containerPort: 80\n`;
  writeFileSync(file, manifest('nginx:1.25'));
  assert.equal((await kubectl('apply', '-f', file)).stdout.trim(), 'deployment.apps/kube-d created');
  assert.equal((await kubectl('apply', '-f', file)).stdout.trim(), 'deployment.apps/kube-d unchanged');
  writeFileSync(file, manifest('nginx:1.26'));
  assert.equal((await kubectl('apply', '-f', file)).stdout.trim(), 'deployment.apps/kube-d configured');
  const d = (await api.call('GET', '/apis/apps/v1/namespaces/default/deployments/kube-d')).body;
  assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.26');
  assert.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 80, 'a strategic merge patch keeps list items it does not name');
  assert.equal((await kubectl('scale', 'deployment', 'kube-d', '--replicas=4')).code, 0);
  assert.equal((await api.call('GET', '/apis/apps/v1/namespaces/default/deployments/kube-d')).body.spec.replicas, 4);
  assert.equal((await kubectl('label', 'deployment', 'kube-d', 'tier=web')).stdout.trim(), 'deployment.apps/kube-d labeled');
  const table = await kubectl('get', 'deploy', '-l', 'tier=web');
  assert.deepEqual(header(table.stdout), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n  - name: c\n');
  const r = await kubectl('create', '-f', bad);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /is invalid/);
  assert.match(r.stderr, /spec\.containers\[0\]\.image: Required value/);
});
