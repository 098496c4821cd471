import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAPABILITIES, DEFAULT_PATH, nofileCeiling } from '../../runtime/oci/defaults.js';
import { OciError } from '../../runtime/oci/errors.js';
import { capabilitySet, cgroupResources, generateSpec, ociResources, type ContainerSpecInput } from '../../runtime/oci/spec.js';

const base: ContainerSpecInput = { args: ['/bin/sh', '-c', 'true'], rootfs: 'rootfs', cgroupsPath: '/flotilla/test/c1' };

function specError(input: unknown): string {
  try {
    generateSpec(input as ContainerSpecInput);
  } catch (err) {
    assert.ok(err instanceof OciError, `expected OciError, got ${String(err)}`);
    assert.equal(err.code, 'FLT_ERR_OCI_SPEC');
    return err.message;
  }
  assert.fail('generateSpec accepted a bad description');
}

test('generateSpec: hardened defaults like Docker', () => {
  const s = generateSpec(base);
  assert.equal(s.ociVersion, '1.0.2');
  assert.deepEqual(s.process.args, ['/bin/sh', '-c', 'true']);
  assert.equal(s.process.cwd, '/');
  assert.deepEqual(s.process.user, { uid: 0, gid: 0 });
  assert.deepEqual(s.process.env, [DEFAULT_PATH]);
  assert.equal(s.process.noNewPrivileges, true);
  const caps = s.process.capabilities!;
  assert.deepEqual(caps.bounding, DEFAULT_CAPABILITIES);
  assert.deepEqual(caps.effective, DEFAULT_CAPABILITIES);
  assert.deepEqual(caps.permitted, DEFAULT_CAPABILITIES);
  assert.equal(caps.inheritable, undefined);
  assert.equal(caps.ambient, undefined);
  assert.ok(!DEFAULT_CAPABILITIES.includes('CAP_SYS_ADMIN'));
  const nofile = s.process.rlimits![0]!;
  assert.equal(nofile.type, 'RLIMIT_NOFILE');
  assert.equal(nofile.hard, nofileCeiling());
  assert.ok(nofileCeiling() <= 1048576);
  assert.deepEqual(generateSpec({ ...base, rlimitNofile: 1048576 }).process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }]);
  assert.deepEqual(s.root, { path: 'rootfs', readonly: false });
  const dests = s.mounts!.map((m) => `${m.destination}:${m.type}`);
  assert.deepEqual(dests, ['/proc:proc', '/dev:tmpfs', '/dev/pts:devpts', '/dev/shm:tmpfs', '/dev/mqueue:mqueue', '/sys:sysfs', '/sys/fs/cgroup:cgroup']);
  assert.ok(s.mounts!.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  assert.deepEqual(s.linux!.namespaces!.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'network']);
  assert.equal(s.linux!.cgroupsPath, '/flotilla/test/c1');
  assert.ok(s.linux!.maskedPaths!.includes('/proc/kcore'));
  assert.ok(s.linux!.maskedPaths!.includes('/sys/firmware'));
  assert.ok(s.linux!.readonlyPaths!.includes('/proc/sys'));
  assert.deepEqual(s.linux!.resources!.devices![0], { allow: false, access: 'rwm' });
  assert.equal(s.hostname, undefined);
});

test('generateSpec: description fields land where the spec wants them', () => {
  const s = generateSpec({
    ...base,
    env: ['A=1', 'PATH=/bin'],
    cwd: '/work',
    hostname: 'web-1',
    readonlyRootfs: true,
    user: { uid: 1000, gid: 100, additionalGids: [5, 6] },
    namespaces: [{ type: 'pid' }, { type: 'network', path: '/var/run/netns/flotilla-x' }, { type: 'uts' }],
    resources: { memoryBytes: 16 << 20, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512, pidsLimit: 64 },
    mounts: [{ source: '/srv/data', destination: '/data', readonly: true }],
    annotations: { 'io.flotilla.pod': 'web' },
  });
  assert.deepEqual(s.process.env, ['A=1', 'PATH=/bin']);
  assert.equal(s.process.cwd, '/work');
  assert.equal(s.hostname, 'web-1');
  assert.equal(s.root.readonly, true);
  assert.deepEqual(s.process.user, { uid: 1000, gid: 100, additionalGids: [5, 6] });
  assert.deepEqual(s.linux!.namespaces, [{ type: 'pid' }, { type: 'network', path: '/var/run/netns/flotilla-x' }, { type: 'uts' }, { type: 'mount' }]);
  const r = s.linux!.resources!;
  assert.deepEqual(r.memory, { limit: 16 << 20 });
  assert.deepEqual(r.cpu, { shares: 512, quota: 50000, period: 100000 });
  assert.deepEqual(r.pids, { limit: 64 });
  assert.deepEqual(s.mounts!.at(-1), { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate', 'ro'] });
  assert.deepEqual(s.annotations, { 'io.flotilla.pod': 'web' });
});

test('capabilitySet: drop, add, ALL, and names without CAP_', () => {
  assert.ok(!capabilitySet([], ['NET_RAW']).includes('CAP_NET_RAW'));
  assert.deepEqual(capabilitySet(['sys_admin'], ['ALL']), ['CAP_SYS_ADMIN']);
  assert.equal(capabilitySet(['CAP_NET_ADMIN']).length, DEFAULT_CAPABILITIES.length + 1);
  assert.ok(capabilitySet(['ALL']).includes('CAP_BPF'));
});

test('ociResources and cgroupResources round-trip', () => {
  const r = { memoryBytes: 1 << 24, cpuQuota: 20000, cpuPeriod: 100000, cpuShares: 256, pidsLimit: 10 };
  const { devices, ...limits } = cgroupResources(ociResources(r));
  assert.deepEqual(limits, r);
  assert.deepEqual(devices![0], { allow: false, access: 'rwm' });
  assert.ok(devices!.some((d) => d.allow && d.type === 'c' && d.major === 1 && d.minor === 3), '/dev/null allowed');
  assert.deepEqual(cgroupResources(undefined), {});
  const own = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }];
  const applied = cgroupResources(ociResources({ devices: own })).devices!;
  assert.deepEqual(applied.slice(0, 2), own);
  assert.ok(applied.slice(2).every((d) => d.allow), 'only allow rules follow');
  assert.ok(applied.some((d) => d.type === 'c' && d.major === 1 && d.minor === 5), '/dev/zero stays allowed, as under runc');
  // The default rules already allow the standard nodes: none is written twice.
  assert.deepEqual(cgroupResources(ociResources({})).devices, ociResources({}).devices);
  // A standard node the spec denies after allowing it is allowed again at the end.
  const denied = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }];
  const reallowed = cgroupResources(ociResources({ devices: denied })).devices!;
  assert.deepEqual(reallowed.slice(0, 3), denied);
  assert.ok(reallowed.slice(3).some((d) => d.allow && d.type === 'c' && d.major === 1 && d.minor === 3), '/dev/null allowed after the deny');
});

test('generateSpec: bad descriptions name the field', () => {
  assert.match(specError({ ...base, args: [] }), /^spec\.args: /);
  assert.match(specError({ ...base, args: undefined }), /^spec\.args: /);
  assert.match(specError({ ...base, cwd: 'work' }), /^spec\.cwd: must be an absolute path/);
  assert.match(specError({ ...base, cgroupsPath: 'flotilla/x' }), /^spec\.cgroupsPath: /);
  assert.match(specError({ ...base, cgroupsPath: '/flotilla/../etc' }), /^spec\.cgroupsPath: /);
  assert.match(specError({ ...base, env: ['NOEQUALS'] }), /^spec\.env\[0\]: /);
  assert.match(specError({ ...base, user: { uid: -1, gid: 0 } }), /^spec\.user\.uid: /);
  assert.match(specError({ ...base, capabilitiesAdd: ['CAP_FLY'] }), /^spec\.capabilitiesAdd: unknown capability "CAP_FLY"/);
  assert.match(specError({ ...base, namespaces: [{ type: 'pid' }, { type: 'pid' }] }), /^spec\.namespaces\[1\]\.type: "pid" appears twice/);
  assert.match(specError({ ...base, namespaces: [{ type: 'time' }] }), /^spec\.namespaces\[0\]\.type: unknown/);
  assert.match(specError({ ...base, mounts: [{ source: 'rel', destination: '/x' }] }), /^spec\.mounts\[0\]\.source: /);
  assert.match(specError({ ...base, mounts: [{ source: '/a', destination: '/' }] }), /^spec\.mounts\[0\]\.destination: /);
  assert.match(specError({ ...base, resources: { memoryBytes: 1.5 } }), /^spec\.resources\.memoryBytes: /);
  assert.match(specError({ ...base, resources: { cpuPeriod: 10 } }), /^spec\.resources\.cpuPeriod: /);
  assert.match(specError({ ...base, privileged: true }), /^spec\.privileged: /);
  assert.match(specError({ ...base, hostname: 'x', namespaces: [{ type: 'pid' }] }), /^spec\.hostname: .*uts/);
  assert.match(specError({ ...base, hostname: 'bad host' }), /^spec\.hostname: /);
});
