import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCgroupManager, detectCgroupLayout } from '../../runtime/cgroups/detect.js';
import { CgroupError } from '../../runtime/cgroups/errors.js';
import { requireRoot } from '../helpers/root.js';

/*
 * The v1 backend on this host's real hierarchies (cpu and cpuacct mounted apart). Each test
 * makes its own /flotilla-test-PID-N subtree and removes it in t.after even on failure.
 */
const layout = detectCgroupLayout();
const v1 = layout.version === 1;
let n = 0;

function base(): string {
  return `/flotilla-test-${process.pid}-${++n}`;
}

function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

test('v1: create sets limits in the right hierarchies, dirs lists every joined hierarchy', { skip: !v1 && 'host is not cgroup v1' }, async (t) => {
  if (!requireRoot(t)) return;
  const m = createCgroupManager();
  const root = base();
  const path = `${root}/pod/c1`;
  t.after(() => m.remove(root));
  assert.equal(m.create(path, { memoryBytes: 16 << 20, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512, pidsLimit: 40 }), true, 'made');
  assert.equal(m.create(path, { memoryBytes: 16 << 20 }), false, 'there already');
  const dirs = m.dirs(path);
  for (const ctl of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer']) {
    assert.ok(dirs.includes(`/sys/fs/cgroup/${ctl}${path}`), `dirs() has the ${ctl} hierarchy: ${dirs.join(' ')}`);
  }
  for (const d of dirs) assert.ok(existsSync(d), `${d} exists`);
  const rd = (f: string): string => readFileSync(f, 'utf8').trim();
  assert.equal(rd(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`), String(16 << 20));
  assert.equal(rd(`/sys/fs/cgroup/cpu${path}/cpu.cfs_quota_us`), '50000');
  assert.equal(rd(`/sys/fs/cgroup/cpu${path}/cpu.cfs_period_us`), '100000');
  assert.equal(rd(`/sys/fs/cgroup/cpu${path}/cpu.shares`), '512');
  assert.equal(rd(`/sys/fs/cgroup/pids${path}/pids.max`), '40');
  m.update(path, { memoryBytes: 32 << 20, pidsLimit: 0 });
  assert.equal(rd(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`), String(32 << 20));
  assert.equal(rd(`/sys/fs/cgroup/pids${path}/pids.max`), 'max');
  assert.throws(() => m.update(path, { cpuShares: 1.5 }), /cpuShares/);
});

test('v1: device rules replace the inherited allow-all', { skip: !v1 && 'host is not cgroup v1' }, async (t) => {
  if (!requireRoot(t)) return;
  const m = createCgroupManager();
  const path = base();
  t.after(() => m.remove(path));
  m.create(path, { devices: [{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'b', access: 'm' }] });
  const list = readFileSync(`/sys/fs/cgroup/devices${path}/devices.list`, 'utf8').trim().split('\n').sort();
  assert.deepEqual(list, ['b *:* m', 'c 1:3 rwm']);
});

test('v1: stats see a member process, killAll ends it, remove leaves no directory', { skip: !v1 && 'host is not cgroup v1' }, async (t) => {
  if (!requireRoot(t)) return;
  const m = createCgroupManager();
  const root = base();
  const path = `${root}/c`;
  m.create(path, { memoryBytes: 64 << 20 });
  // The shell joins first, so the pages of the exec'd sleep are charged to the new cgroup.
  const procs = m.dirs(path).map((d) => join(d, 'cgroup.procs'));
  const child = spawn('/bin/busybox', ['sh', '-c', 'for f in "$@"; do echo $$ > "$f"; done; exec sleep 60', 'sh', ...procs], { stdio: 'ignore' });
  t.after(async () => {
    child.kill('SIGKILL');
    await m.remove(root).catch(() => undefined);
  });
  const exited = new Promise<string | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
  await waitFor('sleep to run inside the cgroup', () => readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith('sleep') || readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep');
  const s = m.stats(path);
  assert.equal(s.pids, 1);
  assert.equal(s.memoryLimitBytes, 64 << 20);
  assert.ok(s.memoryBytes > 0, `memory usage ${s.memoryBytes} > 0`);
  assert.ok(s.cpuUsageNs >= 0);
  assert.equal(m.oomKilled(path), false);
  // A busy cgroup cannot go: remove names the directory that stayed.
  await assert.rejects(m.remove(path, 50), (err: CgroupError) => err.code === 'FLT_ERR_CGROUP_BUSY' && err.message.includes(`${path}`) && err.message.includes(String(child.pid)));
  m.killAll(path);
  assert.equal(await exited, 'SIGKILL');
  await m.remove(root);
  for (const h of layout.version === 1 ? layout.hierarchies : []) {
    assert.ok(!existsSync(join(h.mountPoint, root)), `${join(h.mountPoint, root)} removed`);
  }
  assert.equal(m.exists(path), false);
});

test('v1: a process past its memory limit is OOM-killed and oomKilled says so', { skip: !v1 && 'host is not cgroup v1' }, async (t) => {
  if (!requireRoot(t)) return;
  const m = createCgroupManager();
  const path = `${base()}`;
  m.create(path, { memoryBytes: 16 << 20 });
  // busybox tail keeps the last "line" of /dev/zero in memory, which never ends: it only grows.
  const dirs = m.dirs(path).map((d) => join(d, 'cgroup.procs'));
  const child = spawn('/bin/busybox', ['sh', '-c', 'for f in "$@"; do echo $$ > "$f"; done; exec tail /dev/zero', 'sh', ...dirs], { stdio: 'ignore' });
  t.after(async () => {
    child.kill('SIGKILL');
    await m.remove(path).catch(() => undefined);
  });
  const sig = await new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out after 20 s waiting for the OOM kill of tail /dev/zero')), 20000);
    child.on('exit', (_c, s) => {
      clearTimeout(timer);
      resolve(s);
    });
  });
  assert.equal(sig, 'SIGKILL');
  assert.equal(m.oomKilled(path), true);
  await m.remove(path);
  await waitFor('the OOM cgroup to disappear', () => !m.exists(path), 1000);
});

test('v1: bad paths are refused before anything is made', { skip: !v1 && 'host is not cgroup v1' }, (t) => {
  if (!requireRoot(t)) return;
  const m = createCgroupManager();
  assert.throws(() => m.create('flotilla-rel', {}), (err: CgroupError) => err.code === 'FLT_ERR_CGROUP_PATH');
  assert.throws(() => m.create('/flotilla-x/../../etc', {}), (err: CgroupError) => err.code === 'FLT_ERR_CGROUP_PATH');
});
