/**
 * The node agent end to end, on a real control plane, a real runtime and one node: pods go Running
 * with a pod IP; exit codes and OOM kills are reported; crash loops back off; liveness restarts;
 * readiness gates Ready; deletion honours the grace period; logs come through the API server's
 * proxy (tail, timestamps, previous, follow); an agent killed with -9 comes back without restarting
 * any container and cleans up pods deleted while it was down.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import type { Event, Lease, Node, Pod } from '../../api/types.js';
import { requireRoot } from '../helpers/root.js';
import { busyboxPod, getPod, startAgentNode, waitFor, type AgentNode } from './05-agent-harness.js';

let node: AgentNode | undefined;
const skip = process.getuid?.() !== 0 && process.env.CI !== 'true';

before(async () => {
  if (process.getuid?.() !== 0) return;
  node = await startAgentNode('e5pods');
});

after(async () => {
  await node?.stop();
});

function need(t: Parameters<typeof requireRoot>[0]): AgentNode | undefined {
  if (!requireRoot(t)) return undefined;
  assert.ok(node, 'the one-node cluster did not start');
  return node;
}

async function create(n: AgentNode, pod: Pod): Promise<Pod> {
  return n.client.create<Pod>('pods', pod);
}

async function podWhere(n: AgentNode, name: string, what: string, ok: (p: Pod) => boolean, timeoutMs = 20_000): Promise<Pod> {
  try {
    return await waitFor(`pod ${name}: ${what}`, async () => {
      const p = await getPod(n.client, name);
      return p && ok(p) ? p : undefined;
    }, timeoutMs);
  } catch (e) {
    const p = await getPod(n.client, name).catch(() => undefined);
    throw new Error(`${(e as Error).message}\nlast status: ${JSON.stringify(p?.status)}\nagent log tail:\n${n.agentLog().slice(-2000)}`);
  }
}

/** eventReasons waits until a pod has events with all the wanted reasons, and returns them. */
async function eventReasons(n: AgentNode, pod: string, wanted: string[]): Promise<string[]> {
  return waitFor(`events ${wanted.join(', ')} for pod ${pod}`, async () => {
    const evs = await n.client.list<Event>('events', { namespace: 'default' });
    const reasons = evs.items.filter((e) => e.involvedObject.name === pod).map((e) => e.reason ?? '');
    return wanted.every((w) => reasons.includes(w)) ? reasons : undefined;
  }, 10_000, 200);
}

async function readAll(s: Readable): Promise<string> {
  let out = '';
  for await (const c of s) out += c.toString();
  return out;
}

test('the node registers with capacity, labels, addresses and a heartbeat lease', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  const node = await n.client.get<Node>('nodes', n.nodeName);
  assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], n.nodeName);
  assert.equal(node.metadata.labels?.['kubernetes.io/os'], 'linux');
  assert.ok(node.metadata.labels?.['kubernetes.io/arch']);
  assert.equal(node.status?.capacity?.pods, '110');
  assert.match(node.status?.capacity?.cpu ?? '', /^\d+m?$/);
  assert.match(node.status?.allocatable?.memory ?? '', /^\d+(Ki|Mi|Gi)$/);
  assert.deepEqual(node.status?.addresses?.find((a) => a.type === 'InternalIP'), { type: 'InternalIP', address: '127.0.0.1' });
  assert.ok((node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0) > 0);
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  const lease = await waitFor('the node lease', () => n.client.get<Lease>('leases', n.nodeName, 'kube-node-lease'));
  assert.ok(lease.spec.renewTime);
});

test('apply → Running with a pod IP; exit codes and OOMKilled are reported', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  await Promise.all([
    create(n, busyboxPod('run', n.nodeName, 'echo line 1; echo line 2; echo line 3; while true; do echo tick; sleep 1; done')),
    create(n, busyboxPod('done0', n.nodeName, 'exit 0', { restartPolicy: 'Never' })),
    create(n, busyboxPod('fail3', n.nodeName, 'echo failing >&2; exit 3', { restartPolicy: 'Never' })),
    create(n, busyboxPod('oom', n.nodeName, 'tail /dev/zero', { restartPolicy: 'Never' }, { resources: { limits: { memory: '16Mi' } } })),
  ]);
  const run = await podWhere(n, 'run', 'Running', (p) => p.status?.phase === 'Running');
  assert.match(run.status?.podIP ?? '', /^10\.244\.240\.\d+$/);
  assert.deepEqual(run.status?.podIPs, [{ ip: run.status!.podIP! }]);
  assert.equal(run.status?.hostIP, '127.0.0.1');
  assert.ok(run.status?.startTime);
  const cs = run.status!.containerStatuses![0]!;
  assert.ok(cs.state.running?.startedAt);
  assert.equal(cs.ready, true);
  assert.match(cs.containerID ?? '', /^flotilla:\/\/.+/);
  for (const c of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) {
    assert.equal(run.status!.conditions!.find((x) => x.type === c)?.status, 'True', c);
  }
  await eventReasons(n, 'run', ['Created', 'Started']);

  const done0 = await podWhere(n, 'done0', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
  assert.equal(done0.status!.containerStatuses![0]!.state.terminated?.exitCode, 0);
  assert.equal(done0.status!.containerStatuses![0]!.state.terminated?.reason, 'Completed');
  const fail3 = await podWhere(n, 'fail3', 'Failed', (p) => p.status?.phase === 'Failed');
  assert.equal(fail3.status!.containerStatuses![0]!.state.terminated?.exitCode, 3);
  assert.equal(fail3.status!.containerStatuses![0]!.state.terminated?.reason, 'Error');
  assert.equal(fail3.status!.containerStatuses![0]!.restartCount, 0);
  const oom = await podWhere(n, 'oom', 'Failed', (p) => p.status?.phase === 'Failed', 30_000);
  assert.equal(oom.status!.containerStatuses![0]!.state.terminated?.reason, 'OOMKilled');
  assert.equal(oom.status!.containerStatuses![0]!.state.terminated?.exitCode, 137);
});

test('image problems are waiting reasons: ErrImageNeverPull, ErrImagePull', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  await Promise.all([
    create(n, busyboxPod('never', n.nodeName, 'true', {}, { image: 'flotilla-absent:1', imagePullPolicy: 'Never' })),
    create(n, busyboxPod('unpullable', n.nodeName, 'true', {}, { image: '127.0.0.1:1/flotilla-absent:1', imagePullPolicy: 'IfNotPresent' })),
  ]);
  const never = await podWhere(n, 'never', 'ErrImageNeverPull', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'ErrImageNeverPull');
  assert.equal(never.status?.phase, 'Pending');
  assert.match(never.status!.containerStatuses![0]!.state.waiting!.message ?? '', /not present with pull policy of Never/);
  const bad = await podWhere(n, 'unpullable', 'ErrImagePull', (p) => /ErrImagePull|ImagePullBackOff/.test(p.status?.containerStatuses?.[0]?.state.waiting?.reason ?? ''));
  assert.equal(bad.status?.phase, 'Pending');
  await Promise.all(['never', 'unpullable'].map((name) => n.client.delete('pods', name, { namespace: 'default' })));
});

test('a crashing container backs off: CrashLoopBackOff with a growing restartCount', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  await create(n, busyboxPod('crash', n.nodeName, 'echo attempt; exit 1'));
  const looping = await podWhere(n, 'crash', 'CrashLoopBackOff', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff');
  const first = looping.status!.containerStatuses![0]!;
  assert.ok(first.restartCount >= 1);
  assert.equal(first.lastState?.terminated?.exitCode, 1);
  assert.match(first.state.waiting?.message ?? '', /back-off 10s restarting failed container=main/);
  // The next attempt waits out the 10 s backoff; then the count grows.
  const later = await podWhere(n, 'crash', 'restartCount to grow', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > first.restartCount, 20_000);
  assert.equal(later.status?.phase, 'Running');
  await eventReasons(n, 'crash', ['BackOff']);
  const prev = await readAll(await n.client.logs('default', 'crash', { previous: true }));
  assert.equal(prev, 'attempt\n');
});

test('a failing liveness probe restarts the container, and so does a startup probe that gives up', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  await create(n, busyboxPod('never-starts', n.nodeName, 'sleep 3600', { terminationGracePeriodSeconds: 1 }, {
    startupProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2 },
    livenessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
  }));
  // The kill uses the pod's grace period; `sleep` as PID 1 ignores SIGTERM, so keep it short.
  await create(n, busyboxPod('live', n.nodeName, 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600', { terminationGracePeriodSeconds: 1 }, {
    livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
  }));
  const p = await podWhere(n, 'live', 'a restart after the liveness probe fails', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 20_000);
  const cs = p.status!.containerStatuses![0]!;
  assert.ok(cs.lastState?.terminated, 'the killed attempt shows as the last state');
  await eventReasons(n, 'live', ['Unhealthy', 'Killing']);
  const ns = await podWhere(n, 'never-starts', 'a restart after the startup probe gives up', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 20_000);
  assert.equal(ns.status!.containerStatuses![0]!.started, false);
  await n.client.delete('pods', 'never-starts', { namespace: 'default', gracePeriodSeconds: 0 });
});

test('readiness gates Ready (httpGet), behind a startup probe (tcpSocket)', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  await create(n, busyboxPod('ready', n.nodeName, 'mkdir -p /www; echo ok > /www/index.html; sleep 3; httpd -f -p 8080 -h /www', {}, {
    ports: [{ name: 'http', containerPort: 8080 }],
    startupProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1, failureThreshold: 30 },
    readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 },
  }));
  const notReady = await podWhere(n, 'ready', 'Running but not Ready', (p) => p.status?.phase === 'Running');
  assert.equal(notReady.status!.containerStatuses![0]!.ready, false);
  assert.equal(notReady.status!.conditions!.find((c) => c.type === 'Ready')?.status, 'False');
  const ready = await podWhere(n, 'ready', 'Ready', (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 20_000);
  assert.equal(ready.status!.containerStatuses![0]!.ready, true);
  assert.equal(ready.status!.containerStatuses![0]!.started, true);
  assert.equal(ready.status!.containerStatuses![0]!.restartCount, 0);
});

test('logs through the API server: whole, tail, timestamps and follow', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  await podWhere(n, 'run', 'Running', (p) => p.status?.phase === 'Running');
  const all = await readAll(await n.client.logs('default', 'run', {}));
  assert.match(all, /^line 1\nline 2\nline 3\ntick\n/);
  const tail = await readAll(await n.client.logs('default', 'run', { tailLines: 1 }));
  assert.match(tail, /^tick\n$/);
  const ts = await readAll(await n.client.logs('default', 'run', { timestamps: true, tailLines: 2 }));
  for (const l of ts.trimEnd().split('\n')) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (line \d|tick)$/);
  const failed = await readAll(await n.client.logs('default', 'fail3', {}));
  assert.equal(failed, 'failing\n');

  const stream = await n.client.logs('default', 'run', { follow: true, tailLines: 0 });
  let got = '';
  await waitFor('two new lines through a followed log', () => new Promise<boolean>((resolve) => {
    const onData = (c: Buffer) => {
      got += c.toString();
      if ((got.match(/tick\n/g) ?? []).length >= 2) {
        stream.off('data', onData);
        resolve(true);
      }
    };
    stream.on('data', onData);
    setTimeout(() => {
      stream.off('data', onData);
      resolve(false);
    }, 5000);
  }), 10_000, 0);
  stream.destroy();
  assert.match(got, /^tick\ntick\n/);
});

test('deletion honours the grace period: SIGTERM handled in 1 s vs SIGKILL at the grace period', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  await Promise.all([
    create(n, busyboxPod('trap', n.nodeName, 'trap "sleep 1; exit 0" TERM; sleep 3600 & wait', { terminationGracePeriodSeconds: 10 })),
    create(n, busyboxPod('ignore', n.nodeName, 'sleep 3600', { terminationGracePeriodSeconds: 3 })),
  ]);
  await podWhere(n, 'trap', 'Running', (p) => p.status?.phase === 'Running');
  await podWhere(n, 'ignore', 'Running', (p) => p.status?.phase === 'Running');
  const timeDelete = async (name: string) => {
    const t0 = Date.now();
    await n.client.delete('pods', name, { namespace: 'default' });
    const p = await getPod(n.client, name);
    assert.ok(p?.metadata.deletionTimestamp, `${name}: deletion is graceful (deletionTimestamp set)`);
    await waitFor(`pod ${name} to be gone`, async () => (await getPod(n.client, name)) === undefined, 20_000, 50);
    return Date.now() - t0;
  };
  const [trapMs, ignoreMs] = await Promise.all([timeDelete('trap'), timeDelete('ignore')]);
  // The trapping one had 10 s of grace and used ~1 s; the ignoring one had 3 s and was killed then.
  assert.ok(trapMs >= 900 && trapMs < 5000, `the trapping container exited ~1 s after SIGTERM (took ${trapMs} ms)`);
  assert.ok(ignoreMs >= 2900 && ignoreMs < 8000, `the ignoring container was killed at the 3 s grace period (took ${ignoreMs} ms)`);
});

test('an agent restart (kill -9) restarts no container, and cleans up pods deleted meanwhile', { skip }, async (t) => {
  const n = need(t);
  if (!n) return;
  await Promise.all([
    create(n, busyboxPod('keep', n.nodeName, 'sleep 3600')),
    create(n, busyboxPod('gone-graceful', n.nodeName, 'sleep 3600', { terminationGracePeriodSeconds: 1 })),
    create(n, busyboxPod('gone-forced', n.nodeName, 'sleep 3600')),
  ]);
  for (const name of ['keep', 'gone-graceful', 'gone-forced', 'ready']) await podWhere(n, name, 'Running', (p) => p.status?.phase === 'Running');
  const before = new Map<string, Pod>();
  for (const name of ['keep', 'ready', 'run']) before.set(name, (await getPod(n.client, name))!);
  const forced = (await getPod(n.client, 'gone-forced'))!;

  await n.killAgent();
  await n.client.delete('pods', 'gone-graceful', { namespace: 'default' });
  await n.client.delete('pods', 'gone-forced', { namespace: 'default', gracePeriodSeconds: 0 });
  await n.startAgent();

  await waitFor('pod gone-graceful to be torn down and confirmed', async () => (await getPod(n.client, 'gone-graceful')) === undefined, 20_000);
  await waitFor('the sandbox of the force-deleted pod to be removed', async () => {
    const r = await n.runtime.listPodSandbox({ filter: { labelSelector: { 'io.kubernetes.pod.uid': forced.metadata.uid! } } });
    return r.items.length === 0;
  }, 20_000);
  // Give the new agent a few relists to do anything it would wrongly do.
  await new Promise((r) => setTimeout(r, 3000));
  for (const [name, old] of before) {
    const now: Pod = (await getPod(n.client, name))!;
    const a = old.status!.containerStatuses![0]!;
    const b = now.status!.containerStatuses![0]!;
    assert.equal(b.containerID, a.containerID, `${name}: same container`);
    assert.equal(b.restartCount, a.restartCount, `${name}: no restart`);
    if (a.state.running) assert.equal(b.state.running?.startedAt, a.state.running.startedAt, `${name}: same start time`);
    assert.equal(now.status!.podIP, old.status!.podIP, `${name}: same pod IP`);
    assert.equal(now.status!.startTime, old.status!.startTime, `${name}: same startTime`);
  }
  const ready = (await getPod(n.client, 'ready'))!;
  assert.equal(ready.status!.conditions!.find((c) => c.type === 'Ready')?.status, 'True', 'readiness survives the restart');
});
