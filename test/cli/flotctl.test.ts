import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiClient } from '../../api/client.js';
import { formatClientConfig } from '../../api/config.js';
import type { Event, Pod } from '../../api/types.js';
import { startControlPlane } from '../helpers/control-plane.js';
import { requireCommand } from '../helpers/root.js';

type ControlPlane = Awaited<ReturnType<typeof startControlPlane>>;
const FLOTCTL = resolve('bin/flotctl');
let cp: ControlPlane;
let client: ApiClient;
let dir: string;
let configFile: string;

before(async () => {
  cp = await startControlPlane();
  client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  dir = mkdtempSync(join(tmpdir(), 'flotilla-flotctl-'));
  configFile = join(dir, 'flotctl.yaml');
  writeFileSync(configFile, formatClientConfig({ server: cp.url, token: cp.token, caFile: cp.caFile }));
});
after(async () => {
  client?.close();
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  err: string;
}

/** runProgram runs a program to its end (killed after 20 s) and returns its exit code and output. */
function runProgram(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}): Promise<Run> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { env: opts.env, cwd: opts.cwd });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`${cmd} ${args.join(' ')} did not finish within 20 s; stdout: ${out} stderr: ${err}`));
    }, 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, out, err });
    });
    p.stdin.end(opts.stdin ?? '');
  });
}

/** flotctl runs bin/flotctl with the test's config and returns its exit code and output. */
function flotctl(args: string[], opts: { stdin?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, FLOTILLA_CONFIG: configFile, ...opts.env };
  delete env.FLOTILLA_DEBUG;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return runProgram(process.execPath, [FLOTCTL, ...args], { env, cwd: dir, stdin: opts.stdin });
}

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const podYaml = (name: string, image = 'busybox:1', labels = 'app: web') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    ${labels}
spec:
  containers:
  - name: main
    image: ${image}
`;

test('apply creates, then reports unchanged, then configured after an edit', async () => {
  const f = write('web.yaml', `${podYaml('web-1')}---\n${podYaml('web-2')}`);
  let r = await flotctl(['apply', '-f', f]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod/web-1 created\npod/web-2 created\n');
  r = await flotctl(['apply', '-f', f]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod/web-1 unchanged\npod/web-2 unchanged\n');
  write('web.yaml', `${podYaml('web-1', 'busybox:2')}---\n${podYaml('web-2')}`);
  r = await flotctl(['apply', '-f', f]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod/web-1 configured\npod/web-2 unchanged\n');
  const live = await client.get<Pod>('pods', 'web-1', 'default');
  assert.equal(live.spec.containers[0].image, 'busybox:2');
});

test('apply reads JSON from stdin and a directory of manifests', async () => {
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stdin-1', labels: { app: 'stdin' } }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } });
  let r = await flotctl(['apply', '-f', '-'], { stdin: json });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod/stdin-1 created\n');

  const sub = join(dir, 'manifests');
  mkdirSync(sub);
  writeFileSync(join(sub, '20-pod.yaml'), podYaml('dir-pod', 'busybox:1', 'app: dir').replace('metadata:\n', 'metadata:\n  namespace: dir-team\n'));
  writeFileSync(join(sub, '10-ns.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dir-team' } }));
  writeFileSync(join(sub, 'README.md'), 'not a manifest');
  r = await flotctl(['apply', '-f', sub]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'namespace/dir-team created\npod/dir-pod created\n');
  assert.equal((await client.get('pods', 'dir-pod', 'dir-team')).metadata.namespace, 'dir-team');
  r = await flotctl(['get', 'pods', '-n', 'dir-team', '-o', 'name']);
  assert.equal(r.out, 'pod/dir-pod\n');
});

test('get prints the server table aligned like kubectl, with -o wide, -l, -A, -o name|yaml|json', async () => {
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'get-1', labels: { app: 'get' } }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
  let r = await flotctl(['get', 'pods', '-l', 'app=get']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0], /^NAME {3,}READY {3}STATUS {4}RESTARTS {3}AGE$/);
  assert.match(lines[1], /^get-1 {3,}0\/1 {5}Pending {3}0 {10}\d+s$/);
  assert.equal(lines.length, 2);
  assert.equal(lines[0].indexOf('READY'), lines[1].indexOf('0/1'), 'columns line up');

  r = await flotctl(['get', 'po', 'get-1', '-o', 'wide']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out.split('\n')[0], /^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE$/);
  assert.match(r.out.split('\n')[1], /^get-1 .* <none> +<none>$/);

  r = await flotctl(['get', 'pods', '-A', '-l', 'app=get']);
  assert.match(r.out.split('\n')[0], /^NAMESPACE +NAME +READY/);
  assert.match(r.out.split('\n')[1], /^default +get-1 /);

  r = await flotctl(['get', 'pods', '-l', 'app=get', '-o', 'name']);
  assert.equal(r.out, 'pod/get-1\n');

  r = await flotctl(['get', 'pod', 'get-1', '-o', 'yaml']);
  const y = parseYaml(r.out) as Pod;
  assert.equal(y.kind, 'Pod');
  assert.equal(y.metadata.name, 'get-1');

  r = await flotctl(['get', 'pod', 'get-1', '-o', 'jsonpath={.metadata.name} {.status.phase}']);
  assert.equal(r.out, 'get-1 Pending');
  r = await flotctl(['get', 'pods', '-l', 'app=get', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}']);
  assert.equal(r.out, 'get-1\n');

  r = await flotctl(['get', 'pods', '-l', 'app=get', '-o', 'json']);
  const j = JSON.parse(r.out) as { kind: string; items: Pod[] };
  assert.equal(j.kind, 'List');
  assert.deepEqual(j.items.map((p) => [p.kind, p.metadata.name]), [['Pod', 'get-1']]);

  r = await flotctl(['get', 'pods', '-l', 'app=nothing-has-this']);
  assert.equal(r.code, 0);
  assert.equal(r.out, '');
  assert.equal(r.err, 'No resources found in default namespace.\n');

  r = await flotctl(['get', 'namespaces']);
  assert.match(r.out, /^NAME +STATUS +AGE\n/);
  assert.match(r.out, /\ndefault +Active +\d+[smhd]/);
});

test('get -w prints the table, then a row per change', async () => {
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'watch-1', labels: { app: 'watch' } }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
  const p = spawn(process.execPath, [FLOTCTL, 'get', 'pods', '-w', '-l', 'app=watch'], { env: { ...process.env, FLOTILLA_CONFIG: configFile } });
  let out = '';
  p.stdout.on('data', (c) => (out += c));
  try {
    const deadline = Date.now() + 15_000;
    const waitOut = async (re: RegExp, what: string) => {
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitOut(/watch-1/, 'the first table');
    await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'watch-2', labels: { app: 'watch' } }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
    await waitOut(/watch-2/, 'a row for the new pod');
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0], /^NAME +READY +STATUS +RESTARTS +AGE$/);
    assert.match(lines[lines.length - 1], /^watch-2 +0\/1 +Pending /);
    assert.equal(lines[0].indexOf('READY'), lines[lines.length - 1].indexOf('0/1'), 'watch rows keep the columns');
  } finally {
    p.kill('SIGTERM');
  }
});

test('describe shows the object and its events', async () => {
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'desc-1', labels: { app: 'desc' } }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
  const ev: Event = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'desc-1.1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'desc-1', namespace: 'default' },
    reason: 'Scheduled', message: 'Successfully assigned default/desc-1 to node-1', type: 'Normal',
    source: { component: 'default-scheduler' }, firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1,
  };
  await client.create('events', ev, 'default');
  const r = await flotctl(['describe', 'pod', 'desc-1']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Name: +desc-1$/m);
  assert.match(r.out, /^Namespace: +default$/m);
  assert.match(r.out, /^Labels: +app=desc$/m);
  assert.match(r.out, /^Status: +Pending$/m);
  assert.match(r.out, /^ {4}Image: +busybox:1$/m);
  assert.match(r.out, /^Events:\n {2}Type +Reason +Age +From +Message\n/m);
  assert.match(r.out, /^ {2}Normal +Scheduled +\d+s +default-scheduler +Successfully assigned default\/desc-1 to node-1$/m);
});

test('delete by name and by file prints what it deleted and waits until it is gone', async () => {
  const f = write('del.yaml', podYaml('del-1'));
  assert.equal((await flotctl(['apply', '-f', f])).code, 0);
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'del-2' }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
  let r = await flotctl(['delete', 'pod', 'del-2']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod "del-2" deleted\n');
  r = await flotctl(['delete', '-f', f]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod "del-1" deleted\n');
  r = await flotctl(['get', 'pod', 'del-1']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'Error from server (NotFound): pods "del-1" not found\n');
  r = await flotctl(['delete', 'pod', 'del-1']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'Error from server (NotFound): pods "del-1" not found\n');
});

test('mistakes are one clear line and a non-zero exit, without a stack', async () => {
  const bad = write('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n');
  let r = await flotctl(['apply', '-f', bad]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `));
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');

  const noKind = write('nokind.yaml', `${podYaml('nk-1')}---\napiVersion: v1\nmetadata:\n  name: x\n`);
  r = await flotctl(['apply', '-f', noKind]);
  assert.equal(r.code, 1);
  assert.match(r.err, /nokind\.yaml: document 2 \(line \d+\): "kind" not set/);
  assert.equal(r.out, '', 'nothing is applied when a document is bad');

  r = await flotctl(['get', 'widgets']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'error: the server doesn\'t have a resource type "widgets"\n');

  const invalid = write('invalid.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Not_A_Name\nspec:\n  containers:\n  - name: m\n    image: busybox\n');
  r = await flotctl(['apply', '-f', invalid]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error from server \(Invalid\): Pod "Not_A_Name" is invalid: metadata\.name/);

  r = await flotctl(['get', 'pods'], { env: { FLOTILLA_CONFIG: join(dir, 'missing.yaml') } });
  assert.equal(r.code, 1);
  assert.match(r.err, /missing\.yaml \(from FLOTILLA_CONFIG\) does not exist; pass --server/);

  r = await flotctl(['get', 'pods', '--token', 'wrong']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error from server \(Unauthorized\)/);

  r = await flotctl(['frobnicate']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: unknown command "frobnicate"/);
});

test('--server and --token work without a config file', async () => {
  const caFile = write('ca.crt', cp.caPem);
  const r = await flotctl(['get', 'ns', 'default', '--server', cp.url, '--token', cp.token, '--certificate-authority', caFile], { env: { FLOTILLA_CONFIG: undefined, HOME: dir } });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^default +Active/m);
  const v = await flotctl(['version']);
  assert.equal(v.code, 0, v.err);
  assert.match(v.out, /^Client Version: v\d+\.\d+\.\d+\nServer Version: v\d+\.\d+\.\d+/);
});

test('delete of a bound pod waits for its node; --timeout says what it waited for; --force --grace-period=0 removes it', async () => {
  await client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'cli-node-1' }, spec: {} } as unknown as Pod);
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound-1' }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
  await client.bind('default', 'bound-1', 'cli-node-1');
  let r = await flotctl(['delete', 'pod', 'bound-1', '--timeout', '1s']);
  assert.equal(r.code, 1);
  assert.equal(r.out, 'pod "bound-1" deleted\n');
  assert.match(r.err, /^error: timed out waiting for pods\/bound-1 to be deleted after 1s/);
  r = await flotctl(['get', 'pod', 'bound-1']);
  assert.match(r.out, /^bound-1 +0\/1 +Terminating /m);
  r = await flotctl(['delete', 'pod', 'bound-1', '--force', '--grace-period=0']);
  assert.equal(r.code, 0, r.err);
  await assert.rejects(client.get('pods', 'bound-1', 'default'), /not found/);
});

test('logs of a pod that is not running is the server\'s error; get of several kinds prints a table each', async () => {
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nolog-1' }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
  let r = await flotctl(['logs', 'nolog-1']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error from server \(\w+\): .*nolog-1/);
  r = await flotctl(['logs', 'missing-pod']);
  assert.equal(r.err, 'Error from server (NotFound): pods "missing-pod" not found\n');

  r = await flotctl(['get', 'nodes,namespaces']);
  assert.equal(r.code, 0, r.err);
  const [nodes, namespaces] = r.out.split('\n\n');
  assert.match(nodes, /^NAME +STATUS +/);
  assert.match(namespaces, /^NAME +STATUS +AGE\n/);
  assert.match(namespaces, /^kube-system +Active /m);
});

/**
 * assertSameAsKubectl runs each command with the real kubectl (against the test server, no
 * kubeconfig) and with flotctl, and asserts both succeed and print the same text once `ages` has
 * masked what may tick between the runs (up to 3 tries, for a tick that changes a width).
 */
async function assertSameAsKubectl(commands: string[][], ages: (s: string) => string): Promise<void> {
  const kubeHome = join(dir, 'kube-home');
  mkdirSync(kubeHome, { recursive: true });
  const kubectl = ['--server', cp.url, '--token', cp.token, '--certificate-authority', cp.caFile];
  for (const args of commands) {
    let k: Run | undefined;
    let f: Run | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      k = await runProgram('kubectl', [...kubectl, ...args], { env: { ...process.env, HOME: kubeHome, KUBECONFIG: '/dev/null' } });
      f = await flotctl(args);
      if (ages(k.out) === ages(f.out)) break;
    }
    assert.equal(k!.code, 0, `kubectl ${args.join(' ')}: ${k!.err}`);
    assert.equal(f!.code, 0, f!.err);
    assert.equal(ages(f!.out), ages(k!.out), `flotctl ${args.join(' ')} differs from kubectl`);
  }
}

test('flotctl get prints exactly what the real kubectl prints from the same server', async (t) => {
  if (!(await requireCommand(t, 'kubectl'))) return;
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kc' } } as unknown as Pod);
  for (const name of ['kc-a', 'kc-with-a-much-longer-name']) {
    await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'kc' } }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'kc');
  }
  // Ages may tick between the two runs: hide their digits but keep their width, so alignment still counts.
  const ages = (s: string) => s.replace(/\b\d+[smhd]\b/g, (m) => '#'.repeat(m.length));
  await assertSameAsKubectl([['get', 'pods', '-n', 'kc'], ['get', 'pods', '-n', 'kc', '-o', 'wide'], ['get', 'pods', '-A', '-l', 'app=kc'], ['get', 'pod', 'kc-a', '-n', 'kc'], ['get', 'nodes'], ['get', 'ns', 'kc', 'default']], ages);
});

test('flotctl describe prints what the real kubectl describe prints (pod with events, node with its pods, deployment, namespace)', async (t) => {
  if (!(await requireCommand(t, 'kubectl'))) return;
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kd' } } as unknown as Pod);
  const node = await client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'kd-node', labels: { 'kubernetes.io/hostname': 'kd-node' } }, spec: { podCIDR: '10.244.7.0/24' } } as unknown as Pod);
  const withStatus = structuredClone(node) as unknown as { status: unknown; metadata: Pod['metadata'] };
  withStatus.status = {
    capacity: { cpu: '2', memory: '2Gi', pods: '110' }, allocatable: { cpu: '2', memory: '2Gi', pods: '110' },
    addresses: [{ type: 'InternalIP', address: '10.0.0.7' }],
    conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady', message: 'agent is posting ready status', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    nodeInfo: { kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12', operatingSystem: 'linux', architecture: 'amd64', kubeletVersion: 'v0.1.0' },
  };
  await client.updateStatus('nodes', withStatus as unknown as Pod);
  const p = await client.create<Pod>('pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kd-a', labels: { app: 'kd', tier: 'web' } },
    spec: { containers: [{ name: 'httpd', image: 'busybox:1', command: ['httpd', '-f'], ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'test' }],
      resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '64Mi' } }, readinessProbe: { httpGet: { path: '/', port: 8080 } } }] },
  } as Pod, 'kd');
  await client.bind('kd', 'kd-a', 'kd-node');
  const now = new Date().toISOString();
  await client.create('events', {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'kd-a.1', namespace: 'kd' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'kd-a', namespace: 'kd', uid: p.metadata.uid },
    reason: 'Scheduled', message: 'Successfully assigned kd/kd-a to kd-node', type: 'Normal', source: { component: 'default-scheduler' },
    firstTimestamp: now, lastTimestamp: now, count: 1,
  } as Event, 'kd');
  await client.create('deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kd-web', labels: { app: 'kd' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'kd' } }, template: { metadata: { labels: { app: 'kd' } }, spec: { containers: [{ name: 'httpd', image: 'busybox:1' }] } } },
  } as unknown as Pod, 'kd');
  const ages = (s: string) => s.replace(/\b\d+[smhd](\d+[smh])?\b/g, (m) => '#'.repeat(m.length));
  await assertSameAsKubectl([['describe', 'pod', 'kd-a', '-n', 'kd'], ['describe', 'node', 'kd-node'], ['describe', 'deployment', 'kd-web', '-n', 'kd'], ['describe', 'ns', 'kd']], ages);
});

test('label, annotate, cordon, uncordon and wait change and watch objects as kubectl does', async () => {
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lbl-1', labels: { app: 'lbl' } }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
  let r = await flotctl(['label', 'pod', 'lbl-1', 'tier=web', 'app-']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod/lbl-1 labeled\n');
  assert.deepEqual((await client.get('pods', 'lbl-1', 'default')).metadata.labels, { tier: 'web' });
  r = await flotctl(['label', 'pod/lbl-1', 'tier=db']);
  assert.equal(r.code, 1);
  assert.match(r.err, /'tier' already has a value \(web\), and --overwrite is false/);
  r = await flotctl(['label', 'pod/lbl-1', 'tier=db', '--overwrite']);
  assert.equal(r.code, 0, r.err);
  r = await flotctl(['annotate', 'pod', 'lbl-1', 'note=hello world']);
  assert.equal(r.out, 'pod/lbl-1 annotated\n');
  assert.equal((await client.get('pods', 'lbl-1', 'default')).metadata.annotations?.note, 'hello world');

  await client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'wait-node' }, spec: {} } as unknown as Pod);
  r = await flotctl(['cordon', 'wait-node']);
  assert.equal(r.out, 'node/wait-node cordoned\n');
  assert.equal((await client.get<import('../../api/types.js').Node>('nodes', 'wait-node')).spec?.unschedulable, true);
  r = await flotctl(['cordon', 'wait-node']);
  assert.equal(r.out, 'node/wait-node already cordoned\n');
  r = await flotctl(['uncordon', 'node/wait-node']);
  assert.equal(r.out, 'node/wait-node uncordoned\n');
  assert.equal((await client.get<import('../../api/types.js').Node>('nodes', 'wait-node')).spec?.unschedulable, undefined);

  r = await flotctl(['wait', 'pod/lbl-1', '--for=condition=PodScheduled', '--timeout', '1s']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'error: timed out waiting for the condition on pods/lbl-1\n');
  const waiting = flotctl(['wait', 'pod/lbl-1', '--for=condition=PodScheduled', '--timeout', '15s']);
  await client.bind('default', 'lbl-1', 'wait-node');
  r = await waiting;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod/lbl-1 condition met\n');
  r = await flotctl(['wait', 'pod', 'lbl-1', '--for=jsonpath={.spec.nodeName}=wait-node', '--timeout', '5s']);
  assert.equal(r.out, 'pod/lbl-1 condition met\n');
  const gone = flotctl(['wait', 'pod/lbl-1', '--for=delete', '--timeout', '15s']);
  await client.delete('pods', 'lbl-1', { namespace: 'default', gracePeriodSeconds: 0 });
  r = await gone;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod/lbl-1 deleted\n');
});

test('drain cordons the node and deletes its pods, refusing unmanaged pods without --force', async () => {
  await client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'drain-node' }, spec: {} } as unknown as Pod);
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'drain-1' }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } } as Pod, 'default');
  await client.bind('default', 'drain-1', 'drain-node');
  let r = await flotctl(['drain', 'drain-node']);
  assert.equal(r.code, 1);
  assert.match(r.err, /cannot delete Pods that declare no controller \(use --force to override\): default\/drain-1/);
  // Without an agent on the node the pod only goes with grace 0.
  r = await flotctl(['drain', 'drain-node', '--force', '--grace-period', '0']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'node/drain-node already cordoned\nevicting pod default/drain-1\npod/drain-1 evicted\nnode/drain-node drained\n');
  await assert.rejects(client.get('pods', 'drain-1', 'default'), /not found/);
});
