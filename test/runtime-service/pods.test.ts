/**
 * The runtime service end to end over gRPC, as root on real namespaces: errors map to gRPC
 * codes, two containers of a pod share localhost and IPC, two pods reach each other over the
 * bridge, ExecSync, stop with grace then SIGKILL, exit reasons, logs, and a removal that leaves
 * no veth, mount, cgroup or allocated IP behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireRoot } from '../helpers/root.js';
import { RuntimeCallError, GrpcStatus, type RuntimeClient, type PodSandboxConfig, type ContainerConfig } from '../../runtime/client.js';
import { RuntimeHarness, waitFor } from './harness.js';
import { createCgroupManager } from '../../runtime/cgroups/detect.js';

async function rejectsWith(p: Promise<unknown>, code: number, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RuntimeCallError, `expected RuntimeCallError, got ${String(err)}`);
    assert.equal(err.codeName, GrpcStatus[code], `status of: ${err.message}`);
    assert.match(err.message, re);
    return true;
  });
}

const HTTPD = (body: string): string[] => ['sh', '-c', `mkdir -p /tmp/www && echo ${body} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`];

test('runtime service: pods, containers, networking and cleanup over gRPC', async (t) => {
  if (!requireRoot(t)) return;
  const h = new RuntimeHarness();
  t.after(async () => {
    await h.cleanup();
  });
  await h.setup();
  const c: RuntimeClient = await h.start();

  const pod = (name: string, labels: Record<string, string> = {}): PodSandboxConfig => ({
    metadata: { name, namespace: 'default', uid: `uid-${name}-${h.id}`, attempt: 0 },
    hostname: name,
    logDirectory: join(h.logDir, name),
    labels: { pod: name, ...labels },
    annotations: { 'example.com/note': name },
  });
  const ctr = (name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
    metadata: { name, attempt: 0 },
    image: { image: 'busybox:latest' },
    command,
    logPath: `${name}/0.log`,
    labels: { container: name },
    ...extra,
  });
  const run = async (podId: string, cfg: PodSandboxConfig, cc: ContainerConfig): Promise<string> => {
    const { containerId } = await c.createContainer({ podSandboxId: podId, config: cc, sandboxConfig: cfg });
    await c.startContainer({ containerId });
    return containerId;
  };
  const exec = async (id: string, cmd: string[]): Promise<{ out: string; err: string; code: number }> => {
    const r = await c.execSync({ containerId: id, cmd, timeout: 10 });
    return { out: r.stdout.toString(), err: r.stderr.toString(), code: r.exitCode };
  };
  const waitExited = (id: string) => waitFor(`container ${id} to exit`, 20_000, async () => {
    const { status } = await c.containerStatus({ containerId: id });
    return status.state === 'CONTAINER_EXITED' ? status : undefined;
  });

  await t.test('before a pod CIDR is set, sandboxes are refused and NetworkReady is false', async () => {
    assert.equal((await c.version()).runtimeName, 'flotilla');
    const st = await c.status();
    assert.deepEqual(st.status.conditions.map((x) => [x.type, x.status]), [['RuntimeReady', true], ['NetworkReady', false]]);
    await rejectsWith(c.runPodSandbox({ config: pod('early') }), GrpcStatus.FAILED_PRECONDITION, /no pod CIDR configured/);
    await rejectsWith(c.runPodSandbox({ config: { metadata: { namespace: 'default', uid: 'u' } } }), GrpcStatus.INVALID_ARGUMENT, /config\.metadata\.name: required/);
    await rejectsWith(c.podSandboxStatus({ podSandboxId: 'feedface' }), GrpcStatus.NOT_FOUND, /pod sandbox "feedface" not found/);
    await rejectsWith(c.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: '10.244.7.0/99' } } }), GrpcStatus.INVALID_ARGUMENT, /pod_cidr/);
    await c.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: '10.244.7.0/24' } } });
    assert.ok((await c.status()).status.conditions.every((x) => x.status));
    assert.deepEqual(h.ipamAllocations(), [], 'a refused sandbox holds no IP');
  });

  const podA = pod('pod-a', { tier: 'web' });
  const podB: PodSandboxConfig = { ...pod('pod-b'), linux: { resources: { memoryLimitInBytes: 256 << 20, cpuPeriod: 100000, cpuQuota: 50000 } } };
  const { podSandboxId: a } = await c.runPodSandbox({ config: podA });
  const { podSandboxId: b } = await c.runPodSandbox({ config: podB });
  const web = await run(a, podA, ctr('web', HTTPD('hello-from-a')));
  const client = await run(a, podA, ctr('client', ['sleep', '3600']));
  const webB = await run(b, podB, ctr('web', HTTPD('hello-from-b')));

  await t.test('sandboxes report READY, distinct IPs from the CIDR, hostname and hosts file', async () => {
    const sa = (await c.podSandboxStatus({ podSandboxId: a, verbose: true })).status;
    const sb = (await c.podSandboxStatus({ podSandboxId: b })).status;
    assert.equal(sa.state, 'SANDBOX_READY');
    assert.match(sa.network!.ip, /^10\.244\.7\.\d+$/);
    assert.match(sb.network!.ip, /^10\.244\.7\.\d+$/);
    assert.notEqual(sa.network!.ip, sb.network!.ip);
    assert.deepEqual(sa.annotations, { 'example.com/note': 'pod-a' });
    assert.equal((await exec(client, ['hostname'])).out.trim(), 'pod-a');
    assert.match((await exec(client, ['cat', '/etc/hosts'])).out, new RegExp(`^${sa.network!.ip.replace(/\./g, '\\.')}\\tpod-a$`, 'm'));
    assert.match((await exec(client, ['ip', '-4', 'addr', 'show', 'eth0'])).out, new RegExp(`inet ${sa.network!.ip.replace(/\./g, '\\.')}/24`));
    assert.deepEqual(h.ipamAllocations().sort(), [sa.network!.ip, sb.network!.ip].sort());
    const links = h.netnsLinks();
    assert.ok(links.includes('flt0'), `bridge flt0 in ${links.join(',')}`);
    assert.ok(links.includes(`veth${a.slice(0, 8)}`) && links.includes(`veth${b.slice(0, 8)}`), `veths in ${links.join(',')}`);
    const cgB = (await c.podSandboxStatus({ podSandboxId: b, verbose: true })).info.cgroup!;
    assert.match(cgB, new RegExp(`^${h.cgroupParent}/flotilla-pod-[0-9a-f]{16}$`));
    assert.equal(createCgroupManager().stats(cgB).memoryLimitBytes, 256 << 20, 'pod cgroup carries the pod memory limit');
    const inB = (await exec(webB, ['cat', '/proc/self/cgroup'])).out;
    assert.match(inB, new RegExp(`:memory:${cgB}/[0-9a-f]{16}$`, 'm'), 'the container cgroup is a child of the pod cgroup');
    await rejectsWith(c.runPodSandbox({ config: { ...pod('bad-limits'), linux: { resources: { cpuPeriod: 10 } } } }), GrpcStatus.INVALID_ARGUMENT, /config\.linux\.resources/);
    const { items } = await c.listPodSandbox({ filter: { labelSelector: { tier: 'web' } } });
    assert.deepEqual(items.map((p) => p.id), [a]);
  });

  await t.test('two containers of one pod reach each other on localhost and share IPC', async () => {
    const got = await waitFor('httpd in pod-a to answer on 127.0.0.1:8080', 15_000, async () => {
      const r = await exec(client, ['wget', '-qO-', 'http://127.0.0.1:8080/']);
      return r.code === 0 ? r.out : undefined;
    });
    assert.equal(got.trim(), 'hello-from-a');
    const ipcWeb = (await exec(web, ['readlink', '/proc/self/ns/ipc'])).out.trim();
    const ipcClient = (await exec(client, ['readlink', '/proc/self/ns/ipc'])).out.trim();
    assert.match(ipcWeb, /^ipc:\[\d+\]$/);
    assert.equal(ipcWeb, ipcClient, 'same ipc namespace');
    const ipcB = (await exec(webB, ['readlink', '/proc/self/ns/ipc'])).out.trim();
    assert.notEqual(ipcB, ipcWeb, 'another pod has its own ipc namespace');
    assert.equal((await exec(web, ['sh', '-c', 'echo shared-$$ > /dev/shm/flotilla-ipc && cat /dev/shm/flotilla-ipc'])).code, 0);
    const written = (await exec(web, ['cat', '/dev/shm/flotilla-ipc'])).out;
    assert.equal((await exec(client, ['cat', '/dev/shm/flotilla-ipc'])).out, written);
    assert.notEqual((await exec(webB, ['cat', '/dev/shm/flotilla-ipc'])).code, 0, 'pod-b does not see pod-a shm');
    const pidWeb = (await exec(web, ['readlink', '/proc/self/ns/pid'])).out.trim();
    assert.notEqual(pidWeb, (await exec(client, ['readlink', '/proc/self/ns/pid'])).out.trim(), 'each container has its own pid namespace');
  });

  await t.test('two pods reach each other over the bridge by pod IP', async () => {
    const ipB = (await c.podSandboxStatus({ podSandboxId: b })).status.network!.ip;
    const got = await waitFor(`pod-a to fetch http://${ipB}:8080/`, 15_000, async () => {
      const r = await exec(client, ['wget', '-qO-', `http://${ipB}:8080/`]);
      return r.code === 0 ? r.out : undefined;
    });
    assert.equal(got.trim(), 'hello-from-b');
  });

  await t.test('ExecSync returns stdout, stderr and the exit code; it needs a running container', async () => {
    const r = await exec(client, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(r, { out: 'out\n', err: 'err\n', code: 3 });
    await rejectsWith(c.execSync({ containerId: client, cmd: [] }), GrpcStatus.INVALID_ARGUMENT, /cmd/);
    const t0 = Date.now();
    await rejectsWith(c.execSync({ containerId: client, cmd: ['sleep', '30'], timeout: 1 }), GrpcStatus.DEADLINE_EXCEEDED, /timed out after 1s/);
    assert.ok(Date.now() - t0 < 10_000, 'the timeout cut the command short');
    assert.doesNotMatch((await exec(client, ['ps'])).out, /sleep 30/, 'the timed-out command was killed');
  });

  await t.test('status, stats, list filters and duplicate names', async () => {
    const { status, info } = await c.containerStatus({ containerId: client, verbose: true });
    assert.equal(status.state, 'CONTAINER_RUNNING');
    assert.ok(status.startedAt >= status.createdAt && status.createdAt > 0);
    assert.ok(Number(info.pid) > 0);
    assert.equal(status.logPath, join(h.logDir, 'pod-a', 'client/0.log'));
    assert.match(status.imageRef, /^sha256:[0-9a-f]{64}$/);
    const { stats } = await c.containerStats({ containerId: client });
    assert.ok(stats.memory!.workingSetBytes!.value > 0, 'memory usage from the cgroup');
    const mine = await c.listContainers({ filter: { podSandboxId: a } });
    assert.deepEqual(mine.containers.map((x) => x.id).sort(), [web, client].sort());
    const inPod = (await c.podSandboxStatus({ podSandboxId: a })).containersStatuses;
    assert.deepEqual(inPod.map((x) => [x.id, x.state]).sort(), [[web, 'CONTAINER_RUNNING'], [client, 'CONTAINER_RUNNING']].sort(), 'PodSandboxStatus carries its containers\' statuses');
    assert.equal(inPod.find((x) => x.id === client)!.logPath, status.logPath);
    const running = await c.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' }, labelSelector: { container: 'web' } } });
    assert.deepEqual(running.containers.map((x) => x.id).sort(), [web, webB].sort());
    await rejectsWith(c.createContainer({ podSandboxId: a, config: ctr('client', ['true']) }), GrpcStatus.ALREADY_EXISTS, /"client" attempt 0 already exists/);
    await rejectsWith(c.runPodSandbox({ config: podA }), GrpcStatus.ALREADY_EXISTS, /already exists/);
    await rejectsWith(c.createContainer({ podSandboxId: a, config: ctr('noimg', ['true'], { image: { image: 'nosuch:1' } }) }), GrpcStatus.NOT_FOUND, /nosuch:1/);
    await rejectsWith(c.startContainer({ containerId: client }), GrpcStatus.FAILED_PRECONDITION, /running, not created/);
  });

  await t.test('flotilla crictl shows pods, containers and images, and execs', async () => {
    const crictl = (...args: string[]): string => h.flotilla(['crictl', '--socket', h.socket, ...args]);
    const pods = crictl('pods').split('\n');
    assert.match(pods[0]!, /^POD ID\s+CREATED\s+STATE\s+NAME\s+NAMESPACE\s+ATTEMPT\s+RUNTIME$/);
    assert.ok(pods.some((l) => l.startsWith(a.slice(0, 13)) && /\bReady\s+pod-a\s+default\b/.test(l)), pods.join('\n'));
    const ps = crictl('ps');
    assert.match(ps, new RegExp(`^${client.slice(0, 13)}\\s+busybox:latest\\s+.*Running\\s+client\\s+0\\s+${a.slice(0, 13)}\\s+pod-a$`, 'm'));
    assert.match(crictl('images'), /^docker\.io\/library\/busybox\s+latest\s+[0-9a-f]{13}\s+\S+$/m);
    assert.equal(crictl('exec', client.slice(0, 12), 'echo', 'via-crictl'), 'via-crictl\n');
    const inspect = JSON.parse(crictl('inspect', client)) as { status: { state: string }; info: { pid: number } };
    assert.equal(inspect.status.state, 'CONTAINER_RUNNING');
    assert.ok(inspect.info.pid > 0);
    assert.match(crictl('inspectp', a), /"ip": "10\.244\.7\.\d+"/);
    const bad = h.flotilla(['crictl', '--socket', h.socket, 'inspect', 'nope'], { allowFail: true });
    assert.match(bad, /ContainerStatus: container "nope" not found/);
  });

  await t.test('ImageService: list, status, fs info, in-use removal refused, failed pull named', async () => {
    const { images } = await c.listImages();
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.repoTags, ['docker.io/library/busybox:latest']);
    assert.match(images[0]!.id, /^sha256:[0-9a-f]{64}$/);
    assert.ok(images[0]!.size > 0);
    assert.equal((await c.imageStatus({ image: { image: 'busybox' } })).image?.id, images[0]!.id);
    assert.equal((await c.imageStatus({ image: { image: 'nosuch:1' } })).image, null);
    const fs = await c.imageFsInfo();
    assert.ok(fs.imageFilesystems[0]!.usedBytes!.value > 0);
    await rejectsWith(c.removeImage({ image: { image: 'busybox:latest' } }), GrpcStatus.FAILED_PRECONDITION, /in use/);
    await c.removeImage({ image: { image: 'nosuch:1' } }); // idempotent
    await rejectsWith(c.pullImage({ image: { image: '127.0.0.1:1/nothing:here' } }), GrpcStatus.UNAVAILABLE, /127\.0\.0\.1:1/);
    await rejectsWith(c.pullImage({ image: {} }), GrpcStatus.INVALID_ARGUMENT, /image\.image: required/);
  });

  await t.test('exits: Completed, Error with its code, SIGKILL after the grace period, OOMKilled', async () => {
    const fails = await run(a, podA, ctr('fails', ['sh', '-c', 'echo bye; exit 3']));
    const st = await waitExited(fails);
    assert.equal(st.exitCode, 3);
    assert.equal(st.reason, 'Error');
    assert.ok(st.finishedAt >= st.startedAt);
    assert.match(readFileSync(st.logPath, 'utf8'), /^\S+ stdout F bye$/m);
    assert.equal(h.flotilla(['crictl', '--socket', h.socket, 'logs', fails]), 'bye\n');
    await rejectsWith(c.execSync({ containerId: fails, cmd: ['true'] }), GrpcStatus.FAILED_PRECONDITION, /not running/);

    const polite = await run(a, podA, ctr('polite', ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']));
    await waitFor('polite to run', 5000, async () => (await c.containerStatus({ containerId: polite })).status.state === 'CONTAINER_RUNNING');
    await c.stopContainer({ containerId: polite, timeout: 10 });
    const ps = (await c.containerStatus({ containerId: polite })).status;
    assert.deepEqual([ps.state, ps.exitCode, ps.reason], ['CONTAINER_EXITED', 0, 'Completed']);

    const stubborn = await run(a, podA, ctr('stubborn', ['sleep', '3600'])); // pid 1 ignores SIGTERM
    const t0 = Date.now();
    await c.stopContainer({ containerId: stubborn, timeout: 1 });
    const elapsed = Date.now() - t0;
    const ss = (await c.containerStatus({ containerId: stubborn })).status;
    assert.deepEqual([ss.state, ss.exitCode, ss.reason], ['CONTAINER_EXITED', 137, 'Error']);
    assert.ok(elapsed >= 900 && elapsed < 8000, `SIGKILL after the 1 s grace, took ${elapsed} ms`);
    await c.stopContainer({ containerId: stubborn, timeout: 1 }); // idempotent

    const hog = await run(a, podA, ctr('hog', ['tail', '/dev/zero'], { linux: { resources: { memoryLimitInBytes: 24 << 20 } } }));
    const hs = await waitExited(hog);
    assert.equal(hs.reason, 'OOMKilled');
    assert.equal(hs.exitCode, 137);

    for (const id of [fails, polite, stubborn, hog]) await c.removeContainer({ containerId: id });
    await c.removeContainer({ containerId: fails }); // idempotent
    await rejectsWith(c.containerStatus({ containerId: fails }), GrpcStatus.NOT_FOUND, /not found/);
  });

  await t.test('concurrent sandboxes get distinct IPs and are removed concurrently', async () => {
    const made = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      const cfg = pod(`burst-${i}`);
      const { podSandboxId } = await c.runPodSandbox({ config: cfg });
      await run(podSandboxId, cfg, ctr('sleep', ['sleep', '3600']));
      return podSandboxId;
    }));
    const ips = await Promise.all(made.map(async (id) => (await c.podSandboxStatus({ podSandboxId: id })).status.network!.ip));
    assert.equal(new Set(ips).size, 6, `distinct IPs: ${ips.join(' ')}`);
    await Promise.all(made.map(async (id) => {
      await c.stopPodSandbox({ podSandboxId: id });
      await c.removePodSandbox({ podSandboxId: id });
    }));
    for (const ip of ips) assert.ok(!h.ipamAllocations().includes(ip), `${ip} released`);
  });

  await t.test('StopPodSandbox kills containers and frees the network; RemovePodSandbox leaves nothing', async () => {
    const ipA = (await c.podSandboxStatus({ podSandboxId: a })).status.network!.ip;
    await c.stopPodSandbox({ podSandboxId: a });
    const sa = (await c.podSandboxStatus({ podSandboxId: a })).status;
    assert.equal(sa.state, 'SANDBOX_NOTREADY');
    assert.ok(!h.netnsLinks().includes(`veth${a.slice(0, 8)}`), 'veth of pod-a removed');
    assert.ok(!h.ipamAllocations().includes(ipA), 'IP of pod-a released');
    for (const id of [web, client]) assert.equal((await c.containerStatus({ containerId: id })).status.state, 'CONTAINER_EXITED');
    await rejectsWith(c.createContainer({ podSandboxId: a, config: ctr('late', ['true']) }), GrpcStatus.FAILED_PRECONDITION, /not ready/);
    await c.stopPodSandbox({ podSandboxId: a }); // idempotent
    await c.removePodSandbox({ podSandboxId: a });
    await c.removePodSandbox({ podSandboxId: b });
    await c.removePodSandbox({ podSandboxId: b }); // idempotent
    assert.deepEqual((await c.listPodSandbox()).items, []);
    assert.deepEqual((await c.listContainers()).containers, []);
    assert.deepEqual(h.leaks(), [], `left behind:\n${h.leaks().join('\n')}\nruntime log:\n${h.log}`);
    await c.removeImage({ image: { image: 'busybox:latest' } });
    assert.deepEqual((await c.listImages()).images, []);
  });
});
