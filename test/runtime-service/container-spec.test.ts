import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeCommand, mergeEnv, resolveUser, containerSpecInput, cgroupResourcesOf } from '../../runtime/sandbox/container-spec.js';
import { generateSpec } from '../../runtime/oci/spec.js';
import { RuntimeServiceError } from '../../runtime/service/errors.js';

test('mergeCommand follows Kubernetes: command replaces Entrypoint and drops Cmd, args replaces Cmd', () => {
  const image = { entrypoint: ['/entry'], cmd: ['--serve'] };
  const cases: [string[], string[], string[]][] = [
    [[], [], ['/entry', '--serve']],
    [[], ['--debug'], ['/entry', '--debug']],
    [['/bin/sh'], [], ['/bin/sh']],
    [['/bin/sh'], ['-c', 'echo hi'], ['/bin/sh', '-c', 'echo hi']],
  ];
  for (const [command, args, want] of cases) assert.deepEqual(mergeCommand(image, command, args), want, JSON.stringify({ command, args }));
  assert.deepEqual(mergeCommand({ cmd: ['sh'] }), ['sh']);
});

test('mergeEnv overlays config envs on image env, keeping order and replacing in place', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], [{ key: 'A', value: '2' }, { key: 'B', value: '' }]), ['PATH=/bin', 'A=2', 'B=']);
  assert.throws(() => mergeEnv([], [{ key: 'A=B', value: 'x' }]), /config\.envs\[0\]\.key/);
});

test('resolveUser reads numeric ids and names from the image passwd and group', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n';
  const group = 'root:x:0:\nstaff:x:50:\n';
  assert.deepEqual(resolveUser('', passwd, group), { uid: 0, gid: 0 });
  assert.deepEqual(resolveUser('nobody', passwd, group), { uid: 65534, gid: 65534 });
  assert.deepEqual(resolveUser('1000:50', passwd, group), { uid: 1000, gid: 50 });
  assert.deepEqual(resolveUser('nobody:staff', passwd, group), { uid: 65534, gid: 50 });
  assert.throws(() => resolveUser('ghost', passwd, group), (e: unknown) => e instanceof RuntimeServiceError && e.code === 'FLT_ERR_RUNTIME_INVALID');
});

test('resolveUser reads the passwd and group files only when the user needs them', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n';
  const group = 'root:x:0:\nstaff:x:50:\n';
  const read: string[] = [];
  const files = { passwd: () => (read.push('passwd'), passwd), group: () => (read.push('group'), group) };
  assert.deepEqual(resolveUser('', files.passwd, files.group), { uid: 0, gid: 0 });
  assert.deepEqual(read, []);
  assert.deepEqual(resolveUser('nobody', files.passwd, files.group), { uid: 65534, gid: 65534 });
  assert.deepEqual(read, ['passwd']);
  assert.deepEqual(resolveUser('nobody:staff', files.passwd, files.group), { uid: 65534, gid: 50 });
  assert.deepEqual(read, ['passwd', 'passwd', 'group']);
});

test('containerSpecInput joins the sandbox namespaces, binds hosts/resolv.conf and yields a valid config.json', () => {
  const input = containerSpecInput({
    config: {
      metadata: { name: 'app' },
      image: { image: 'busybox:latest' },
      args: ['sleep', '60'],
      envs: [{ key: 'MODE', value: 'test' }],
      linux: { resources: { memoryLimitInBytes: 64 << 20, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512 } },
    },
    image: { cmd: ['sh'], env: ['PATH=/usr/bin:/bin'] },
    user: { uid: 0, gid: 0 },
    rootfs: '/var/lib/x/rootfs',
    namespaces: { net: '/s/ns/net', ipc: '/s/ns/ipc', uts: '/s/ns/uts' },
    cgroupsPath: '/flotilla/pod-abc/ctr',
    hostsPath: '/s/hosts',
    resolvConfPath: '/s/resolv.conf',
  });
  assert.deepEqual(input.args, ['sleep', '60']);
  assert.deepEqual(input.resources, { memoryBytes: 64 << 20, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512 });
  const spec = generateSpec(input);
  const ns = Object.fromEntries(spec.linux!.namespaces!.map((n) => [n.type, n.path ?? 'new']));
  assert.deepEqual(ns, { pid: 'new', mount: 'new', network: '/s/ns/net', ipc: '/s/ns/ipc', uts: '/s/ns/uts' });
  assert.ok(spec.mounts!.some((m) => m.destination === '/etc/hosts' && m.source === '/s/hosts'));
  assert.ok(spec.mounts!.some((m) => m.destination === '/etc/resolv.conf' && m.source === '/s/resolv.conf'));
  assert.ok(spec.process.env!.includes('MODE=test'));
  assert.equal(spec.linux!.resources!.memory!.limit, 64 << 20);
  assert.deepEqual(cgroupResourcesOf(null), {});
});

test('containerSpecInput refuses a container with no command at all and names the field', () => {
  assert.throws(() => containerSpecInput({
    config: { metadata: { name: 'x' } }, image: {}, user: { uid: 0, gid: 0 }, rootfs: '/r',
    namespaces: { net: '/n', ipc: '/i', uts: '/u' }, cgroupsPath: '/f/p/c', hostsPath: '/h', resolvConfPath: '/r2',
  }), /config\.command/);
});
