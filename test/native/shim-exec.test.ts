/**
 * `flotilla-shim exec` and the container's confinement, with real namespaces and cgroups:
 * exec joins the container (namespaces, cgroup, identity), the container joins its cgroup
 * before running, and what the process sees of itself matches runc for the same bundle.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { kernelFeatures, signalProcess } from '../../runtime/native.js';
import { execInContainer, launchShim, waitExit } from '../../runtime/shim/index.js';
import { requireCommand, requireRoot } from '../helpers/root.js';
import { TestBundle } from './bundle.js';

/** testCgroup makes a pids cgroup named flotilla-native-* and removes it at the end. */
function testCgroup(t: { after: (fn: () => void) => void }): string {
  const base = kernelFeatures().cgroupVersion === 2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
  const dir = join(base, `flotilla-native-${process.pid}-${Date.now()}`);
  mkdirSync(dir);
  t.after(() => {
    if (existsSync(dir)) rmdirSync(dir);
  });
  return dir;
}

test('exec runs inside the container: its namespaces, cgroup, env and identity; exit code passes through', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  const cg = testCgroup(t);
  b.config.hostname = 'flotilla-exec';
  b.config.process.env = ['PATH=/bin', 'FOO=from-container'];
  b.config.process.cwd = '/tmp';
  b.write(['sleep', '60']);
  const st = b.stateDir();
  const r = await launchShim({ id: 'e1', bundle: b.bundle, stateDir: st, cgroupDirs: [cg], start: true });
  b.track(r.pid);
  assert.ok(readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').includes(String(r.pid)), 'container init is in its cgroup');

  const res = await execInContainer({
    pid: r.pid,
    cmd: ['sh', '-c', 'echo "$FOO $EXTRA"; hostname; pwd; cat /proc/1/cmdline | tr "\\0" " "; echo; cat /proc/self/cgroup; echo to-stderr >&2; exit 7'],
    env: ['EXTRA=added'],
    cwd: '/bin',
    cgroupDirs: [cg],
    timeoutMs: 10_000,
  });
  const out = res.stdout.toString().split('\n');
  assert.equal(res.exitCode, 7);
  assert.equal(out[0], 'from-container added');
  assert.equal(out[1], 'flotilla-exec');
  assert.equal(out[2], '/bin');
  assert.match(out[3] ?? '', /^sleep 60 ?$/, 'pid 1 in its PID namespace is the container init');
  assert.ok(out.some((l) => l.endsWith(cg.replace(/^\/sys\/fs\/cgroup(\/pids)?/, ''))), `exec joined ${cg}: ${res.stdout}`);
  assert.equal(res.stderr.toString(), 'to-stderr\n');

  const caps = await execInContainer({ pid: r.pid, cmd: ['grep', '-E', '^(CapEff|CapBnd|NoNewPrivs)', '/proc/self/status'] });
  const initStatus = readFileSync(`/proc/${r.pid}/status`, 'utf8');
  for (const line of caps.stdout.toString().trim().split('\n')) assert.ok(initStatus.includes(line), `exec has the container's ${line}`);

  const pwd = await execInContainer({ pid: r.pid, cmd: ['pwd'] });
  assert.equal(pwd.stdout.toString(), '/tmp\n', 'without cwd, exec starts where the container init is');

  const missing = await execInContainer({ pid: r.pid, cmd: ['nope'] });
  assert.equal(missing.exitCode, 127);
  assert.match(missing.stderr.toString(), /exec: "nope": executable file not found in \$PATH/);

  await assert.rejects(execInContainer({ pid: r.pid, cmd: ['sleep', '30'], timeoutMs: 300 }), /timed out after 300 ms/);

  signalProcess(r.pid, 'SIGKILL');
  await waitExit(st, 10_000);
  await assert.rejects(execInContainer({ pid: r.pid, cmd: ['true'] }), (e: Error & { code: string }) => e.code === 'FLT_ERR_SHIM_EXEC' && /container process \d+/.test(e.message));
});

test('the hardened container sees what it sees under runc (caps, no_new_privs, read-only root, masked paths, /dev, mounts)', async (t) => {
  if (!requireRoot(t) || !(await requireCommand(t, 'runc'))) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  assert.equal(b.config.root.readonly, true, 'runc spec makes a read-only root');
  const script = [
    'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Uid|Gid|Groups)" /proc/self/status',
    'touch /x 2>&1',
    'echo 1 2>&1 > /proc/sys/kernel/domainname',
    'head -c 1 /proc/kcore 2>&1 | wc -c',
    'ls /sys/firmware | wc -l',
    'ls /dev',
    'cat /proc/self/mounts',
    'ulimit -n',
  ].join('; ');
  b.write(['sh', '-c', `${script} 2>&1`]);
  const runc = spawnSync('runc', ['run', `flotilla-native-${process.pid}`], { cwd: b.bundle, encoding: 'utf8', timeout: 30_000 });
  assert.equal(runc.status, 0, `runc run failed: ${runc.stderr}`);
  const st = b.stateDir();
  const log = join(b.dir, 'h.log');
  const r = await launchShim({ id: 'h1', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [], start: true });
  b.track(r.pid);
  assert.equal((await waitExit(st, 10_000)).exitCode, 0);
  const ours = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^\S+ (stdout|stderr) F /, ''));
  // cgroup mounts depend on the cgroup each runtime put the process in; the rest must be identical
  const comparable = (lines: string[]): string[] => lines.filter((l) => !/^cgroup2? \/sys\/fs\/cgroup/.test(l)).sort();
  assert.deepEqual(comparable(ours), comparable(runc.stdout.trim().split('\n')));
  assert.ok(ours.includes('NoNewPrivs:\t1'));
  assert.ok(ours.includes('CapEff:\t0000000020000420'));
  assert.ok(ours.some((l) => /Read-only file system/.test(l)));
  assert.ok(ours.some((l) => /^proc \/proc proc /.test(l)));
  const mountinfo = execFileSync('cat', ['/proc/self/mountinfo']).toString();
  assert.ok(!mountinfo.includes(join(b.bundle, 'rootfs')), 'no container mount is left in the host namespace');
});

test('bind mounts: read-only and read-write directories, a file, and a source relative to the bundle', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  const data = join(b.dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'in'), 'from-host\n');
  mkdirSync(join(b.bundle, 'extra'));
  writeFileSync(join(b.dir, 'conf'), 'conf-line\n');
  b.config.mounts.push(
    { destination: '/data', type: 'bind', source: data, options: ['rbind', 'ro'] },
    { destination: '/extra', type: 'bind', source: 'extra', options: ['bind', 'rw', 'nosuid'] },
    { destination: '/etc/flotilla.conf', type: 'bind', source: join(b.dir, 'conf'), options: ['bind', 'ro'] },
  );
  b.write(['sh', '-c', 'cat /data/in; touch /data/x 2>&1; echo written > /extra/out; cat /etc/flotilla.conf']);
  const st = b.stateDir();
  const log = join(b.dir, 'bind.log');
  const r = await launchShim({ id: 'bind', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [], start: true });
  b.track(r.pid);
  assert.equal((await waitExit(st, 10_000)).exitCode, 0);
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^\S+ (stdout|stderr) F /, ''));
  assert.deepEqual(lines, ['from-host', 'touch: /data/x: Read-only file system', 'conf-line']);
  assert.equal(readFileSync(join(b.bundle, 'extra', 'out'), 'utf8'), 'written\n');
  assert.equal(existsSync(join(data, 'x')), false);
});

test('mount destinations are resolved inside the rootfs: a symlink to / in the image cannot reach the host', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  const name = `flotilla-escape-${process.pid}`;
  symlinkSync('/', join(b.bundle, 'rootfs', 'evil'));
  b.config.mounts.push({ destination: `/evil/${name}`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
  b.write(['sh', '-c', `grep " /${name} " /proc/self/mounts`]);
  const st = b.stateDir();
  const log = join(b.dir, 'escape.log');
  const r = await launchShim({ id: 'esc', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [], start: true });
  b.track(r.pid);
  assert.equal((await waitExit(st, 10_000)).exitCode, 0, readFileSync(log, 'utf8'));
  assert.match(readFileSync(log, 'utf8'), new RegExp(`tmpfs /${name} tmpfs`));
  assert.equal(existsSync(`/${name}`), false, 'nothing was created on the host');
  assert.ok(existsSync(join(b.bundle, 'rootfs', name)), 'the mount point was made inside the rootfs');
});
