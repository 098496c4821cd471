/**
 * The shim end to end with real namespaces: what the container sees, its exit record, its
 * CRI log, create errors, create-then-start, survival of its launcher, and the shim's RSS.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createCgroupManager, detectCgroupLayout } from '../../runtime/cgroups/detect.js';
import type { V1Hierarchy } from '../../runtime/cgroups/types.js';
import { SHIM_PATH, signalProcess } from '../../runtime/native.js';
import { launchShim, readExit, readShimPid, startContainer, waitExit } from '../../runtime/shim/index.js';
import { requireRoot } from '../helpers/root.js';
import { alive, isShim, TestBundle, vmRssKiB } from './bundle.js';

const CRI_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) (F|P) (.*)$/;

function logLines(path: string): { stream: string; tag: string; text: string }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = CRI_LINE.exec(l);
      assert.ok(m, `log line not in CRI format: ${JSON.stringify(l)}`);
      return { stream: m[1]!, tag: m[2]!, text: m[3]! };
    });
}

test('a container sees its hostname, PID 1, env and cwd; exit code and CRI log are recorded', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  b.config.hostname = 'flotilla-ctr';
  b.config.process.env = ['PATH=/bin', 'GREETING=hello world'];
  b.config.process.cwd = '/tmp';
  b.write(['sh', '-c', 'hostname; echo pid=$$; pwd; echo "g=$GREETING"; echo oops >&2; printf partial; exit 3']);
  const st = b.stateDir();
  const log = join(b.dir, 'c.log');
  const r = await launchShim({ id: 'c1', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [], start: true, timeoutMs: 10_000 });
  b.track(r.pid);
  assert.ok(r.pid > 0 && r.shimPid > 0 && r.pid !== r.shimPid);
  assert.equal(readShimPid(st), r.shimPid);
  const exit = await waitExit(st, 10_000);
  assert.equal(exit.exitCode, 3);
  assert.equal(exit.signal, null);
  assert.ok(exit.startedAt && Date.parse(exit.startedAt) <= Date.parse(exit.finishedAt), JSON.stringify(exit));
  const lines = logLines(log);
  const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
  assert.deepEqual(out, ['flotilla-ctr', 'pid=1', '/tmp', 'g=hello world', 'partial']);
  assert.deepEqual(lines.filter((l) => l.stream === 'stderr').map((l) => l.text), ['oops']);
  assert.ok(lines.every((l) => l.tag === 'F'));
});

test('lines over 16 KiB are split into P chunks ending with an F line', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  // 40000 characters on one line, then a short one
  b.write(['sh', '-c', 'i=0; s=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; while [ $i -lt 1000 ]; do printf %s $s; i=$((i+1)); done; echo; echo end']);
  const st = b.stateDir();
  const log = join(b.dir, 'c.log');
  const r = await launchShim({ id: 'c2', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [], start: true });
  b.track(r.pid);
  assert.equal((await waitExit(st, 20_000)).exitCode, 0);
  const lines = logLines(log);
  assert.deepEqual(lines.map((l) => l.tag), ['P', 'P', 'F', 'F']);
  assert.equal(lines.slice(0, 3).map((l) => l.text).join('').length, 40_000);
  assert.equal(lines[0]!.text.length, 16 * 1024);
  assert.equal(lines[3]!.text, 'end');
});

test('a missing program fails create with runc\'s message and leaves no shim behind', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  for (const [args, message] of [
    [['/bin/nope'], 'exec: "/bin/nope": no such file or directory'],
    [['nope'], 'exec: "nope": executable file not found in $PATH'],
  ] as const) {
    b.write([...args]);
    const st = b.stateDir();
    await assert.rejects(launchShim({ id: 'bad', bundle: b.bundle, stateDir: st, cgroupDirs: [] }), (e: Error & { errnoName?: string }) => {
      assert.equal(e.message, message);
      assert.equal(e.errnoName, 'ENOENT');
      return true;
    });
    assert.equal(readShimPid(st), undefined, 'shim.pid removed after a failed create');
    assert.equal(existsSync(join(st, 'exec.fifo')), false);
  }
  b.config.process.cwd = '/no/such/dir';
  b.write(['sh']);
  await assert.rejects(launchShim({ id: 'bad', bundle: b.bundle, stateDir: b.stateDir(), cgroupDirs: [] }), /chdir to cwd \("\/no\/such\/dir"\) set in config.json failed: No such file or directory/);
  b.write(['sh']);
  const broken = join(b.bundle, 'config.json');
  writeFileSync(broken, '{"root": {"path": "rootfs"},\n "process": {"args": ["sh"],}}');
  await assert.rejects(launchShim({ id: 'bad', bundle: b.bundle, stateDir: b.stateDir(), cgroupDirs: [] }), /^ShimError: config.json: line 2 column 29: expected a string key$/);
});

test('create blocks the process until start; start lets it run', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  b.write(['echo', 'ran']);
  const st = b.stateDir();
  const log = join(b.dir, 'c.log');
  const r = await launchShim({ id: 'c3', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [] });
  b.track(r.pid);
  assert.ok(existsSync(join(st, 'exec.fifo')));
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(readExit(st), undefined, 'not exited before start');
  assert.ok(alive(r.pid));
  assert.equal(readFileSync(log, 'utf8'), '', 'nothing ran before start');
  await startContainer(st, 10_000);
  assert.equal(existsSync(join(st, 'exec.fifo')), false);
  const exit = await waitExit(st, 10_000);
  assert.equal(exit.exitCode, 0);
  assert.deepEqual(logLines(log).map((l) => l.text), ['ran']);
  await assert.rejects(startContainer(st, 1000), /start container state-0: no exec.fifo/);
});

test('a container running as another user is created, then started, with its uid, gids and no caps', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  (b.config.process as { user?: unknown }).user = { uid: 1000, gid: 1000, additionalGids: [5, 6] };
  b.write(['sh', '-c', 'id; grep CapEff /proc/self/status']);
  const st = b.stateDir();
  const log = join(b.dir, 'u.log');
  const r = await launchShim({ id: 'u1', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [] });
  b.track(r.pid);
  await startContainer(st, 10_000);
  assert.equal((await waitExit(st, 10_000)).exitCode, 0);
  assert.deepEqual(logLines(log).map((l) => l.text), ['uid=1000 gid=1000 groups=5,6', 'CapEff:\t0000000000000000']);
});

test('a signal that kills the container is recorded; the shim forwards SIGTERM', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  b.write(['sleep', '60']);
  const st = b.stateDir();
  const r = await launchShim({ id: 'c4', bundle: b.bundle, stateDir: st, cgroupDirs: [], start: true });
  b.track(r.pid);
  signalProcess(r.pid, 'SIGKILL');
  const exit = await waitExit(st, 10_000);
  assert.deepEqual([exit.exitCode, exit.signal], [137, 9]);

  b.write(['sh', '-c', 'trap "exit 42" TERM; echo ready; while true; do sleep 0.05; done']);
  const st2 = b.stateDir();
  const log = join(b.dir, 'c4.log');
  const r2 = await launchShim({ id: 'c4b', bundle: b.bundle, stateDir: st2, logPath: log, cgroupDirs: [], start: true });
  b.track(r2.pid);
  await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('ready'), 'the container to print ready');
  process.kill(r2.shimPid, 'SIGTERM');
  const exit2 = await waitExit(st2, 10_000);
  assert.deepEqual([exit2.exitCode, exit2.signal], [42, null]);
});

test('a container survives kill -9 of the process that launched it, and its exit is still recorded', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  b.write(['sh', '-c', 'sleep 1; exit 5']);
  const st = b.stateDir();
  const shimModule = new URL('../../runtime/shim/index.js', import.meta.url).href;
  const script = `import { launchShim } from ${JSON.stringify(shimModule)};
    const r = await launchShim(${JSON.stringify({ id: 'c5', bundle: b.bundle, stateDir: st, cgroupDirs: [], start: true })});
    console.log(JSON.stringify(r)); setInterval(() => {}, 1000);`;
  const launcher = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => launcher.kill('SIGKILL'));
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('timed out waiting for the launcher to print the container pid')), 15_000);
    launcher.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        clearTimeout(timer);
        resolve(buf.split('\n')[0]!);
      }
    });
  });
  const r = JSON.parse(line) as { pid: number; shimPid: number };
  b.track(r.pid);
  launcher.kill('SIGKILL');
  await new Promise((res) => launcher.once('exit', res));
  assert.ok(alive(r.pid), 'container still running after its launcher was killed');
  assert.ok(isShim(r.shimPid) && alive(r.shimPid), 'shim still running');
  const exit = await waitExit(st, 10_000);
  assert.equal(exit.exitCode, 5);
  await waitFor(() => !alive(r.shimPid), 'the shim to exit after writing exit.json');
});

test('the shim beside a running container stays under 1 MiB RSS', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  b.write(['sh', '-c', 'echo up; sleep 60']);
  const st = b.stateDir();
  const log = join(b.dir, 'c.log');
  const r = await launchShim({ id: 'c6', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [], start: true });
  b.track(r.pid);
  await waitFor(() => readFileSync(log, 'utf8').includes('up'), 'the container to log "up"');
  const rss = vmRssKiB(r.shimPid);
  console.log(`shim VmRSS beside a running container: ${rss} KiB`);
  assert.ok(rss <= 1024, `shim RSS ${rss} KiB > 1024 KiB`);
  signalProcess(r.pid, 'SIGKILL');
  await waitExit(st, 10_000);
});

test('create+start+wait of /bin/true: time per container (printed, not asserted)', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  b.write(['/bin/true']);
  const n = 20;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const st = b.stateDir();
    const r = await launchShim({ id: `p${i}`, bundle: b.bundle, stateDir: st, cgroupDirs: [] });
    b.track(r.pid);
    await startContainer(st);
    assert.equal((await waitExit(st, 10_000)).exitCode, 0);
  }
  console.log(`create+start+wait of /bin/true: ${((performance.now() - t0) / n).toFixed(2)} ms per container (${n} sequential)`);
});

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

test('a container killed before start has an exit record without startedAt', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  b.write(['echo', 'never']);
  const st = b.stateDir();
  const r = await launchShim({ id: 'k1', bundle: b.bundle, stateDir: st, cgroupDirs: [] });
  b.track(r.pid);
  signalProcess(r.pid, 'SIGKILL');
  const exit = await waitExit(st, 10_000);
  assert.deepEqual([exit.exitCode, exit.signal, exit.startedAt], [137, 9, undefined]);
  assert.equal(existsSync(join(st, 'exec.fifo')), false, 'the shim removes exec.fifo when it exits');
});

test('waitExit times out naming the container, and says when its shim is gone', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  b.write(['sleep', '60']);
  const st = b.stateDir();
  const r = await launchShim({ id: 'w1', bundle: b.bundle, stateDir: st, cgroupDirs: [], start: true });
  b.track(r.pid);
  await assert.rejects(waitExit(st, 200), (e: Error & { code: string }) => e.code === 'FLT_ERR_SHIM_TIMEOUT' && e.message === 'container state-0 did not exit within 200 ms');
  process.kill(r.shimPid, 'SIGKILL');
  await waitFor(() => !alive(r.shimPid), 'the shim to die');
  await assert.rejects(waitExit(st, 200), new RegExp(`its shim ${r.shimPid} is gone`));
  assert.ok(alive(r.pid), 'the container outlives its shim');
});

test('HOME comes from the container\'s /etc/passwd when config.json sets none, "/" without an entry', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  mkdirSync(join(b.bundle, 'rootfs', 'etc'));
  writeFileSync(join(b.bundle, 'rootfs', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n');
  const homeOf = async (uid: number, env: string[]): Promise<string> => {
    (b.config.process as { user?: unknown }).user = { uid, gid: uid };
    b.config.process.env = env;
    b.write(['sh', '-c', 'echo "$HOME"']);
    const st = b.stateDir();
    const log = join(b.dir, `home-${uid}-${env.length}.log`);
    const r = await launchShim({ id: 'home', bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: [], start: true });
    b.track(r.pid);
    assert.equal((await waitExit(st, 10_000)).exitCode, 0);
    return logLines(log).map((l) => l.text).join('\n');
  };
  assert.equal(await homeOf(0, ['PATH=/bin']), '/root');
  assert.equal(await homeOf(1000, ['PATH=/bin']), '/home/u');
  assert.equal(await homeOf(4242, ['PATH=/bin']), '/');
  assert.equal(await homeOf(0, ['PATH=/bin', 'HOME=/set']), '/set');
});

test('on cgroup v1 the container\'s /sys/fs/cgroup is the same whether the shim is told the hierarchies or reads the mount table', { skip: detectCgroupLayout().version !== 1 && 'host is not cgroup v1' }, async (t) => {
  if (!requireRoot(t)) return;
  const cgroups = createCgroupManager();
  const path = `/flotilla-test-shimcg-${process.pid}`;
  const b = new TestBundle();
  t.after(async () => {
    b.cleanup();
    await cgroups.remove(path).catch(() => undefined);
  });
  cgroups.create(path, { memoryBytes: 48 << 20 });
  // Mount point, bound cgroup (root), type and options of each mount under /sys/fs/cgroup, then the limit it shows.
  b.write(['sh', '-c', 'grep " /sys/fs/cgroup" /proc/self/mountinfo | while read -r id parent dev root mnt opts rest; do echo "$mnt $root $opts ${rest#*- }"; done | sort; cat /sys/fs/cgroup/memory/memory.limit_in_bytes']);
  const view = async (id: string, cgroupHierarchies?: readonly V1Hierarchy[]): Promise<string[]> => {
    const st = b.stateDir();
    const log = join(b.dir, `${id}.log`);
    const r = await launchShim({ id, bundle: b.bundle, stateDir: st, logPath: log, cgroupDirs: cgroups.dirs(path), cgroupHierarchies, start: true });
    b.track(r.pid);
    assert.equal((await waitExit(st, 10_000)).exitCode, 0);
    return logLines(log).map((l) => l.text);
  };
  const told = await view('told', cgroups.v1Hierarchies());
  const read = await view('read');
  assert.deepEqual(told, read);
  assert.equal(told.at(-1), String(48 << 20), 'the container reads its own memory limit');
  const memory = told.find((l) => l.startsWith('/sys/fs/cgroup/memory '));
  assert.match(memory ?? '', new RegExp(`^/sys/fs/cgroup/memory ${path} ro,`), 'its own memory cgroup, read-only');
  const bound = told.filter((l) => / cgroup cgroup /.test(l)).map((l) => l.split(' ')[0]).sort();
  const expected = cgroups.v1Hierarchies().map((h) => h.mountPoint).filter((m) => /^\/sys\/fs\/cgroup\/[^/]+$/.test(m)).sort();
  assert.deepEqual(bound, expected, 'every hierarchy of the host is bound');
});

test('create refuses a malformed --cgroup-hierarchy with a message naming it', async (t) => {
  if (!requireRoot(t)) return;
  const b = new TestBundle();
  t.after(() => b.cleanup());
  for (const bad of ['memory', ':/sys/fs/cgroup/memory', 'memory:relative']) {
    const r = spawnSync(SHIM_PATH, ['create', '--id', 'x', '--bundle', b.bundle, '--state-dir', b.stateDir(), '--cgroup-hierarchy', bad], { encoding: 'utf8' });
    assert.equal(r.status, 1, bad);
    assert.equal(r.stderr.trim(), `create: --cgroup-hierarchy \`${bad}\`: want CONTROLLERS:MOUNTPOINT (cpu,cpuacct:/sys/fs/cgroup/cpu,cpuacct)`);
  }
});
