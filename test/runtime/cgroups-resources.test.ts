import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCgroupLayout } from '../../runtime/cgroups/detect.js';
import { deviceRuleLine, parseKeyed, parseLimit, sharesToWeight, UNLIMITED_BYTES, v1Writes, v2Writes } from '../../runtime/cgroups/resources.js';
import { controllersToEnable } from '../../runtime/cgroups/v2.js';

test('sharesToWeight: the runc/crun conversion at its fixed points', () => {
  const cases: [number, number][] = [[2, 1], [1024, 39], [262144, 10000], [512, 20], [1, 1], [300000, 10000], [0, 0]];
  for (const [shares, weight] of cases) assert.equal(sharesToWeight(shares), weight, `shares ${shares}`);
});

test('v1Writes: files, values and period before quota', () => {
  assert.deepEqual(v1Writes({ memoryBytes: 16777216, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512, pidsLimit: 32 }), [
    { controller: 'memory', file: 'memory.limit_in_bytes', value: '16777216' },
    { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '50000' },
    { controller: 'cpu', file: 'cpu.shares', value: '512' },
    { controller: 'pids', file: 'pids.max', value: '32' },
  ]);
  assert.deepEqual(v1Writes({ cpuQuota: -1, pidsLimit: 0 }), [
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '-1' },
    { controller: 'pids', file: 'pids.max', value: 'max' },
  ]);
  assert.deepEqual(v1Writes({}), []);
});

test('v2Writes: memory.max, cpu.max, cpu.weight, pids.max', () => {
  assert.deepEqual(v2Writes({ memoryBytes: 16777216, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 1024, pidsLimit: 32 }), [
    { controller: 'memory', file: 'memory.max', value: '16777216' },
    { controller: 'cpu', file: 'cpu.max', value: '50000 100000' },
    { controller: 'cpu', file: 'cpu.weight', value: '39' },
    { controller: 'pids', file: 'pids.max', value: '32' },
  ]);
  assert.deepEqual(v2Writes({ cpuPeriod: 20000 }), [{ controller: 'cpu', file: 'cpu.max', value: 'max 20000' }]);
  assert.deepEqual(v2Writes({ cpuQuota: 30000 }), [{ controller: 'cpu', file: 'cpu.max', value: '30000' }]);
  assert.throws(() => v2Writes({ pidsLimit: 1.5 }), /resources\.pidsLimit/);
});

test('parseLimit, parseKeyed', () => {
  assert.equal(parseLimit('max\n'), UNLIMITED_BYTES);
  assert.equal(parseLimit('9223372036854771712\n'), UNLIMITED_BYTES);
  assert.equal(parseLimit('16777216\n'), 16777216);
  assert.throws(() => parseLimit('abc'), /not a cgroup number/);
  const m = parseKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
  assert.equal(m.get('oom_kill'), 2);
});

test('controllersToEnable: only what the parent offers and is not on yet', () => {
  assert.equal(controllersToEnable('cpuset cpu io memory pids', ''), '+cpu +memory +pids');
  assert.equal(controllersToEnable('cpu memory pids', 'memory'), '+cpu +pids');
  assert.equal(controllersToEnable('cpu memory pids', 'cpu memory pids'), '');
  assert.equal(controllersToEnable('memory', ''), '+memory');
});

const hybrid = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const combined = `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
`;
const unified = `25 20 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

test('parseCgroupLayout: hybrid is v1, unified is v2, combined hierarchies are kept together', () => {
  const h = parseCgroupLayout(hybrid);
  assert.equal(h.version, 1);
  assert.deepEqual(h.version === 1 && h.hierarchies.map((x) => `${x.mountPoint}=${x.controllers.join('+')}`), [
    '/sys/fs/cgroup/cpu=cpu', '/sys/fs/cgroup/cpuacct=cpuacct', '/sys/fs/cgroup/memory=memory',
    '/sys/fs/cgroup/pids=pids', '/sys/fs/cgroup/systemd=name=systemd',
  ]);
  const c = parseCgroupLayout(combined);
  assert.deepEqual(c.version === 1 && c.hierarchies[0], { mountPoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'] });
  assert.deepEqual(parseCgroupLayout(unified), { version: 2, root: '/sys/fs/cgroup' });
  assert.throws(() => parseCgroupLayout(''), /no cgroup v1 hierarchy/);
});

test('deviceRuleLine and v1 device writes keep order, deny before allow', () => {
  assert.equal(deviceRuleLine({ allow: false, access: 'rwm' }), 'a');
  assert.equal(deviceRuleLine({ allow: true, type: 'c', major: 1, minor: 3 }), 'c 1:3 rwm');
  assert.equal(deviceRuleLine({ allow: true, type: 'c', major: 136, access: 'rw' }), 'c 136:* rw');
  assert.equal(deviceRuleLine({ allow: true, type: 'b', access: 'm' }), 'b *:* m');
  assert.throws(() => deviceRuleLine({ allow: true, type: 'x' }), /type must be a, b or c/);
  assert.throws(() => deviceRuleLine({ allow: true, type: 'c', access: 'rwx' }), /access must be made of r, w, m/);
  assert.deepEqual(v1Writes({ devices: [{ allow: false }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }] }), [
    { controller: 'devices', file: 'devices.deny', value: 'a' },
    { controller: 'devices', file: 'devices.allow', value: 'c 1:5 rwm' },
  ]);
  assert.deepEqual(v2Writes({ devices: [{ allow: false }] }), []);
});
