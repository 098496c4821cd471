/**
 * A restarted runtime finds every sandbox and container on disk, running or exited, restarts
 * none of them, and keeps allocating IPs where the last one stopped (IPAM is on disk).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readdirSync, statfsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { requireRoot } from '../helpers/root.js';
import type { ContainerConfig, PodSandboxConfig } from '../../runtime/client.js';
import { RuntimeHarness, waitFor } from './harness.js';
import { isTmpfs, volatileDir } from '../../runtime/state/volatile-dir.js';

test('a runtime restart keeps every container running and known', async (t) => {
  if (!requireRoot(t)) return;
  const h = new RuntimeHarness();
  t.after(async () => {
    await h.cleanup();
  });
  await h.setup();
  let c = await h.start();
  await c.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: '10.244.9.0/24' } } });
  // On ext4 the container dirs (overlay upper/work) are spread over block groups: chattr's T flag.
  if (statfsSync(h.root).type === 0xef53) {
    assert.match(execFileSync('lsattr', ['-d', join(h.root, 'containers')], { encoding: 'utf8' }).split(' ')[0]!, /T/);
  }

  const pod = (name: string): PodSandboxConfig => ({
    metadata: { name, namespace: 'default', uid: `uid-${name}-${h.id}` },
    logDirectory: join(h.logDir, name),
  });
  const ctr = (name: string, command: string[]): ContainerConfig => ({ metadata: { name }, image: { image: 'busybox:latest' }, command, logPath: `${name}.log` });
  const cfg = pod('survivor');
  const { podSandboxId } = await c.runPodSandbox({ config: cfg });
  const ids: Record<string, string> = {};
  for (const [name, cmd] of [['sleeper', ['sleep', '3600']], ['quitter', ['sh', '-c', 'exit 7']]] as const) {
    ids[name] = (await c.createContainer({ podSandboxId, config: ctr(name, [...cmd]), sandboxConfig: cfg })).containerId;
    await c.startContainer({ containerId: ids[name]! });
  }
  ids.idle = (await c.createContainer({ podSandboxId, config: ctr('idle', ['true']), sandboxConfig: cfg })).containerId;
  await waitFor('quitter to exit', 10_000, async () => (await c.containerStatus({ containerId: ids.quitter! })).status.state === 'CONTAINER_EXITED');
  const before = await c.containerStatus({ containerId: ids.sleeper!, verbose: true });
  const pid = Number(before.info.pid);
  assert.ok(pid > 0);
  const ip = (await c.podSandboxStatus({ podSandboxId })).status.network!.ip;

  await h.stop();
  assert.doesNotThrow(() => process.kill(pid, 0), 'the container outlives the runtime');
  c = await h.start(); // no --pod-cidr: the CIDR set by UpdateRuntimeConfig was kept on disk

  const sb = (await c.podSandboxStatus({ podSandboxId })).status;
  assert.deepEqual([sb.state, sb.network!.ip], ['SANDBOX_READY', ip]);
  const after = await c.containerStatus({ containerId: ids.sleeper!, verbose: true });
  assert.equal(after.status.state, 'CONTAINER_RUNNING');
  assert.equal(Number(after.info.pid), pid, 'same process, not restarted');
  assert.equal(after.status.startedAt, before.status.startedAt);
  const q = (await c.containerStatus({ containerId: ids.quitter! })).status;
  assert.deepEqual([q.state, q.exitCode, q.reason], ['CONTAINER_EXITED', 7, 'Error']);
  const idle = (await c.containerStatus({ containerId: ids.idle!, verbose: true }));
  assert.equal(idle.status.state, 'CONTAINER_CREATED', 'a created container stays created');
  assert.match(idle.status.imageRef, /^sha256:[0-9a-f]{64}$/, 'the image id was in the record CreateContainer saved');
  assert.equal(idle.info.rootfs, join(volatileDir(h.root), 'containers', ids.idle!, 'rootfs'), 'the bundle is on the volatile tmpfs');
  assert.equal((await c.listContainers({ filter: { podSandboxId } })).containers.length, 3);
  const r = await c.execSync({ containerId: ids.sleeper!, cmd: ['hostname'], timeout: 5 });
  assert.equal(r.stdout.toString().trim(), 'survivor');

  // A runtime killed outright leaves its socket file behind; the next one replaces it.
  await h.stop('SIGKILL');
  assert.ok(existsSync(h.socket), 'a SIGKILLed runtime leaves a stale socket file');
  c = await h.start();
  assert.equal((await c.containerStatus({ containerId: ids.sleeper! })).status.state, 'CONTAINER_RUNNING');
  const again = h.flotilla(['runtime', '--socket', h.socket, '--root-dir', h.root], { allowFail: true });
  assert.match(again, /another runtime is already serving on .*runtime\.sock/);
  const otherSocket = h.flotilla(['runtime', '--socket', join(h.dir, 'other.sock'), '--root-dir', h.root], { allowFail: true });
  assert.match(otherSocket, /another runtime \(pid \d+\) is using root directory/);

  const { podSandboxId: second } = await c.runPodSandbox({ config: pod('newcomer') });
  const ip2 = (await c.podSandboxStatus({ podSandboxId: second })).status.network!.ip;
  assert.notEqual(ip2, ip, 'the restarted runtime does not hand out a held IP');

  // A sandbox whose network namespace vanished while the runtime was down (as after a reboot)
  // comes back NOTREADY with its IP released, not as a READY sandbox that no longer exists.
  const { podSandboxId: lost } = await c.runPodSandbox({ config: pod('lost') });
  const lostInfo = await c.podSandboxStatus({ podSandboxId: lost, verbose: true });
  await h.stop();
  execFileSync('umount', [lostInfo.info.netns!]);
  c = await h.start();
  const ls = (await c.podSandboxStatus({ podSandboxId: lost })).status;
  assert.deepEqual([ls.state, ls.network!.ip], ['SANDBOX_NOTREADY', '']);
  assert.ok(!h.ipamAllocations().includes(lostInfo.status.network!.ip), 'the lost sandbox IP was released');
  assert.equal((await c.podSandboxStatus({ podSandboxId })).status.state, 'SANDBOX_READY', 'the live sandbox is untouched');

  // The volatile state dir is the runtime's tmpfs, mounted once however often the runtime restarts.
  assert.ok(isTmpfs(volatileDir(h.root)));
  assert.deepEqual(h.mountsUnderRoot().filter((m) => m === volatileDir(h.root)), [volatileDir(h.root)]);

  await h.removeAll();
  assert.throws(() => process.kill(pid, 0), 'the container is gone after RemovePodSandbox');
  assert.deepEqual(h.leaks(), [], `left behind:\n${h.leaks().join('\n')}\nruntime log:\n${h.log}`);
});

test('after a reboot (processes, mounts and the volatile tmpfs gone) sandboxes read NOTREADY and containers exited, and all can be removed', async (t) => {
  if (!requireRoot(t)) return;
  const h = new RuntimeHarness();
  t.after(async () => {
    await h.cleanup();
  });
  await h.setup();
  let c = await h.start({ podCidr: '10.244.10.0/24' });
  const cfg: PodSandboxConfig = { metadata: { name: 'rebooted', namespace: 'default', uid: `uid-rebooted-${h.id}` }, logDirectory: join(h.logDir, 'rebooted') };
  const { podSandboxId } = await c.runPodSandbox({ config: cfg });
  const { containerId } = await c.createContainer({ podSandboxId, config: { metadata: { name: 'sleeper' }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'], logPath: 'sleeper.log' }, sandboxConfig: cfg });
  await c.startContainer({ containerId });
  const pid = Number((await c.containerStatus({ containerId, verbose: true })).info.pid);
  await h.stop();

  // What a reboot ends: the container's processes, every mount, the tmpfs and all on it.
  process.kill(pid, 'SIGKILL');
  await waitFor('the container to die', 5000, async () => !existsSync(`/proc/${pid}`));
  for (const m of h.mountsUnderRoot().reverse()) execFileSync('umount', ['-l', m]);
  assert.equal(isTmpfs(volatileDir(h.root)), false);

  c = await h.start();
  assert.ok(isTmpfs(volatileDir(h.root)), 'a fresh tmpfs is mounted');
  assert.equal((await c.podSandboxStatus({ podSandboxId })).status.state, 'SANDBOX_NOTREADY');
  const st = (await c.containerStatus({ containerId })).status;
  assert.deepEqual([st.state, st.exitCode], ['CONTAINER_EXITED', 255]);
  await assert.rejects(c.removeImage({ image: { image: 'busybox:latest' } }), /in use by container\(s\) [0-9a-f]{64}/, 'the exited container still holds its image');
  await h.removeAll();
  assert.deepEqual(h.leaks(), [], `left behind:\n${h.leaks().join('\n')}\nruntime log:\n${h.log}`);
  assert.deepEqual(readdirSync(join(h.root, 'containers')), [], 'the container dirs (overlay upper on disk) are gone');
});
