import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNLIMITED_BYTES } from '../../runtime/cgroups/resources.js';
import { CgroupV2Manager } from '../../runtime/cgroups/v2.js';
import { requireRoot } from '../helpers/root.js';

/*
 * These hosts run cgroup v1, so the v2 backend is checked against a directory that mimics
 * the unified hierarchy's files: what it writes where, and how it reads the kernel's files.
 */
function fakeRoot(): string {
  const root = mkdtempSync('/tmp/flotilla-cgv2-');
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  writeFileSync(join(root, 'cgroup.subtree_control'), 'memory\n');
  return root;
}

test('v2 create: enables cpu/memory/pids top-down, then writes the limits', (t) => {
  const root = fakeRoot();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const m = new CgroupV2Manager(root);
  assert.equal(m.create('/flotilla/pod-a/c1', { memoryBytes: 16 << 20, cpuQuota: 25000, cpuPeriod: 100000, cpuShares: 2048, pidsLimit: 20 }), true, 'made');
  assert.equal(m.create('/flotilla/pod-a/c1', { memoryBytes: 16 << 20 }), false, 'there already');
  assert.deepEqual(m.dirs('/flotilla/pod-a/c1'), [join(root, 'flotilla/pod-a/c1')]);
  assert.equal(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), '+cpu +pids');
  assert.equal(readFileSync(join(root, 'flotilla/cgroup.subtree_control'), 'utf8'), '+cpu +memory +pids');
  assert.equal(readFileSync(join(root, 'flotilla/pod-a/cgroup.subtree_control'), 'utf8'), '+cpu +memory +pids');
  const leaf = join(root, 'flotilla/pod-a/c1');
  assert.equal(readFileSync(join(leaf, 'memory.max'), 'utf8'), String(16 << 20));
  assert.equal(readFileSync(join(leaf, 'cpu.max'), 'utf8'), '25000 100000');
  assert.equal(readFileSync(join(leaf, 'cpu.weight'), 'utf8'), '79');
  assert.equal(readFileSync(join(leaf, 'pids.max'), 'utf8'), '20');
  // A second container under the same pod writes no subtree_control again.
  writeFileSync(join(root, 'flotilla/pod-a/cgroup.subtree_control'), 'cpu memory pids');
  m.create('/flotilla/pod-a/c2', { pidsLimit: 5 });
  assert.equal(readFileSync(join(root, 'flotilla/pod-a/cgroup.subtree_control'), 'utf8'), 'cpu memory pids');
  m.update('/flotilla/pod-a/c2', { pidsLimit: 0, memoryBytes: 1 << 20 });
  assert.equal(readFileSync(join(root, 'flotilla/pod-a/c2/pids.max'), 'utf8'), 'max');
  assert.equal(readFileSync(join(root, 'flotilla/pod-a/c2/memory.max'), 'utf8'), String(1 << 20));
});

test('v2 stats and oomKilled read the kernel files', (t) => {
  const root = fakeRoot();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const m = new CgroupV2Manager(root);
  const d = join(root, 'flotilla/c');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'memory.current'), '4096000\n');
  writeFileSync(join(d, 'memory.max'), 'max\n');
  writeFileSync(join(d, 'cpu.stat'), 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n');
  writeFileSync(join(d, 'pids.current'), '3\n');
  writeFileSync(join(d, 'memory.events'), 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n');
  assert.deepEqual(m.stats('/flotilla/c'), { memoryBytes: 4096000, memoryLimitBytes: UNLIMITED_BYTES, cpuUsageNs: 1500000, pids: 3 });
  assert.equal(m.oomKilled('/flotilla/c'), false);
  writeFileSync(join(d, 'memory.events'), 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\noom_group_kill 0\n');
  assert.equal(m.oomKilled('/flotilla/c'), true);
  assert.equal(m.exists('/flotilla/c'), true);
  assert.equal(m.exists('/flotilla/nope'), false);
});

test('v2 rejects relative and climbing paths', () => {
  const m = new CgroupV2Manager('/nonexistent-flotilla');
  assert.throws(() => m.dirs('flotilla/x'), /must be absolute/);
  assert.throws(() => m.dirs('/flotilla/../x'), /must be absolute/);
});

test('v2 create on a missing parent file reports the file', (t) => {
  const root = mkdtempSync('/tmp/flotilla-cgv2-');
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const m = new CgroupV2Manager(root);
  // A directory where the limit file should be makes the kernel-like write fail.
  mkdirSync(join(root, 'flotilla/x/memory.max'), { recursive: true });
  assert.throws(() => m.create('/flotilla/x', { memoryBytes: 1 << 20 }), (err: Error) => err.message.includes('flotilla/x/memory.max'));
});

/*
 * This hybrid host also mounts the real cgroup2 hierarchy at /sys/fs/cgroup/unified, with no
 * cpu/memory/pids controllers (they are bound to v1). The v2 mechanics that need none are
 * checked there on the real kernel: create, join, stats of pids-less dirs, cgroup.kill, remove.
 */
const UNIFIED = '/sys/fs/cgroup/unified';
const hasUnified = existsSync(join(UNIFIED, 'cgroup.procs'));

test('v2 on the real cgroup2 mount: create, join, killAll through cgroup.kill, remove', { skip: !hasUnified && 'no cgroup2 mount at /sys/fs/cgroup/unified' }, async (t) => {
  if (!requireRoot(t)) return;
  const m = new CgroupV2Manager(UNIFIED);
  const root = `/flotilla-test-v2-${process.pid}`;
  const path = `${root}/pod/c1`;
  const child = spawn('/bin/busybox', ['sleep', '60'], { stdio: 'ignore' });
  t.after(async () => {
    child.kill('SIGKILL');
    await m.remove(root).catch(() => undefined);
  });
  const exited = new Promise<string | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
  m.create(path, {});
  assert.equal(m.exists(path), true);
  writeFileSync(join(m.dirs(path)[0]!, 'cgroup.procs'), String(child.pid));
  assert.match(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), new RegExp(`^0::${path}$`, 'm'));
  // A limit whose controller the host does not offer is refused with the file named.
  assert.throws(() => m.update(path, { memoryBytes: 1 << 24 }), (err: Error) => err.message.includes(`${path}/memory.max`));
  await assert.rejects(m.remove(root, 30), /stayed busy with tasks/);
  m.killAll(path);
  assert.equal(await exited, 'SIGKILL');
  await m.remove(root);
  assert.equal(m.exists(root), false);
});
