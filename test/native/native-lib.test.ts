/**
 * runtime/native.ts over libflotilla.so, with real namespaces and mounts: persistent
 * namespaces leave nothing after removal, overlay and bind mounts, signals, kernel features,
 * and errors that name the errno.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kernelFeatures, linkIndex, mountBind, mountOverlay, NativeError, nsCreate, nsCreateInThread, nsRemove, signalProcess, unmount } from '../../runtime/native.js';
import { requireRoot } from '../helpers/root.js';

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(dir + '/'));
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'flotilla-native-'));
  t.after(() => {
    for (const m of mountsUnder(d).reverse()) execFileSync('umount', ['-l', m]);
    rmSync(d, { recursive: true, force: true });
  });
  return d;
}

test('nsCreate makes net/ipc/uts namespaces with lo up and the hostname; nsRemove leaves nothing', (t) => {
  if (!requireRoot(t)) return;
  const dir = join(tempDir(t), 'pod-ns');
  const paths = nsCreate(dir, ['net', 'ipc', 'uts'], 'flotilla-pod');
  assert.deepEqual(paths, { net: join(dir, 'net'), ipc: join(dir, 'ipc'), uts: join(dir, 'uts') });
  assert.equal(mountsUnder(dir).length, 3);
  const hostname = execFileSync('nsenter', [`--uts=${paths.uts}`, 'hostname']).toString().trim();
  assert.equal(hostname, 'flotilla-pod');
  const lo = execFileSync('nsenter', [`--net=${paths.net}`, 'ip', '-o', 'link', 'show', 'lo']).toString();
  assert.match(lo, /<LOOPBACK,UP,LOWER_UP>/);
  const links = execFileSync('nsenter', [`--net=${paths.net}`, 'ip', '-o', 'link']).toString().trim().split('\n');
  assert.equal(links.length, 1, 'a fresh network namespace holds only lo');
  assert.notEqual(execFileSync('readlink', ['/proc/self/ns/net']).toString(), execFileSync('nsenter', [`--net=${paths.net}`, 'readlink', '/proc/self/ns/net']).toString());
  nsRemove(dir);
  assert.deepEqual(mountsUnder(dir), []);
  assert.equal(existsSync(dir), false);
  nsRemove(dir); // already gone: fine
});

test('nsCreate with only a network namespace, and bad kinds rejected', (t) => {
  if (!requireRoot(t)) return;
  const dir = join(tempDir(t), 'net-only');
  assert.deepEqual(nsCreate(dir, ['net']), { net: join(dir, 'net') });
  assert.equal(mountsUnder(dir).length, 1);
  assert.throws(() => nsCreate(dir, ['net']), (e: NativeError) => e.code === 'EEXIST' && e.message.includes(join(dir, 'net')));
  assert.equal(mountsUnder(dir).length, 1, 'a failed create leaves the existing namespace alone');
  nsRemove(dir);
  assert.throws(() => nsCreate(dir, ['pid' as 'net']), (e: NativeError) => e.code === 'EINVAL' && /unknown namespace kind "pid"/.test(e.message));
  assert.equal(existsSync(dir), false);
});

test('nsCreate reports what failed in its helper process (a hostname the kernel refuses) and leaves nothing; namespaces made in a worker thread work alike', async (t) => {
  if (!requireRoot(t)) return;
  const dir = join(tempDir(t), 'bad-host');
  assert.throws(() => nsCreate(dir, ['net', 'uts'], 'x'.repeat(100)), (e: NativeError) => e.code === 'EINVAL' && e.message.startsWith('sethostname `xxx'));
  assert.equal(existsSync(dir), false);
  assert.deepEqual(mountsUnder(dir), []);
  const paths = await nsCreateInThread(dir, ['net', 'uts'], 'threaded');
  assert.equal(execFileSync('nsenter', [`--uts=${paths.uts}`, 'hostname']).toString().trim(), 'threaded');
  nsRemove(dir);
  assert.equal(existsSync(dir), false);
});

test('mountOverlay stacks layers topmost first and writes to the upper dir; unmount leaves nothing', (t) => {
  if (!requireRoot(t)) return;
  const d = tempDir(t);
  const [low1, low2, upper, work, target] = ['low1', 'low2', 'rw/upper', 'rw/work', 'merged'].map((n) => join(d, n));
  for (const p of [low1!, low2!]) mkdirSync(p); // the target, upper and work dirs (and rw/) are made by mountOverlay
  writeFileSync(join(low1!, 'a'), 'top');
  writeFileSync(join(low2!, 'a'), 'bottom');
  writeFileSync(join(low2!, 'b'), 'only-bottom');
  mountOverlay({ lowerDirs: [low1!, low2!], upperDir: upper!, workDir: work!, target: target! });
  assert.equal(readFileSync(join(target!, 'a'), 'utf8'), 'top');
  assert.equal(readFileSync(join(target!, 'b'), 'utf8'), 'only-bottom');
  writeFileSync(join(target!, 'c'), 'new');
  assert.equal(readFileSync(join(upper!, 'c'), 'utf8'), 'new');
  assert.equal(existsSync(join(low1!, 'c')), false);
  unmount(target!);
  assert.deepEqual(mountsUnder(d), []);
  assert.throws(
    () => mountOverlay({ lowerDirs: [join(d, 'missing')], upperDir: upper!, workDir: work!, target: target! }),
    (e: NativeError) => e.code === 'ENOENT' && e.message.startsWith(`mount overlay on \`${target}\``),
  );
  assert.throws(() => mountOverlay({ lowerDirs: ['/a,b'], upperDir: upper!, workDir: work!, target: target! }), (e: NativeError) => e.code === 'EINVAL');
});

test('mountOverlay takes more layers than fit in one page of mount options', (t) => {
  if (!requireRoot(t)) return;
  const d = tempDir(t);
  const lowers: string[] = [];
  for (let i = 0; i < 60; i++) {
    const l = join(d, `layer-${String(i).padStart(3, '0')}-${'x'.repeat(80)}`);
    mkdirSync(l);
    writeFileSync(join(l, `f${i}`), String(i));
    lowers.push(l);
  }
  assert.ok(lowers.join(':').length > 4096);
  const [upper, work, target] = ['upper', 'work', 'merged'].map((n) => join(d, n));
  for (const p of [upper!, work!, target!]) mkdirSync(p);
  mountOverlay({ lowerDirs: lowers, upperDir: upper!, workDir: work!, target: target! });
  assert.equal(readFileSync(join(target!, 'f0'), 'utf8'), '0');
  assert.equal(readFileSync(join(target!, 'f59'), 'utf8'), '59');
  unmount(target!);
  assert.deepEqual(mountsUnder(d), []);
});

test('mountBind read-only refuses writes; unmount of a non-mount names the errno', (t) => {
  if (!requireRoot(t)) return;
  const d = tempDir(t);
  const src = join(d, 'src');
  const dst = join(d, 'dst');
  mkdirSync(src);
  mkdirSync(dst);
  writeFileSync(join(src, 'f'), 'x');
  mountBind(src, dst, true);
  assert.equal(readFileSync(join(dst, 'f'), 'utf8'), 'x');
  assert.throws(() => writeFileSync(join(dst, 'g'), 'y'), /EROFS/);
  unmount(dst, { detach: true });
  assert.deepEqual(mountsUnder(d), []);
  assert.throws(() => unmount(dst), (e: NativeError) => {
    assert.ok(e instanceof NativeError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.errno, 22);
    assert.equal(e.message, `unmount \`${dst}\`: Invalid argument`);
    return true;
  });
});

test('signalProcess delivers by name and number; a gone pid is ESRCH', async (t) => {
  if (!requireRoot(t)) return;
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_c, s) => res(s)));
  signalProcess(child.pid!, 'SIGTERM');
  assert.equal(await exited, 'SIGTERM');
  assert.throws(() => signalProcess(child.pid!, 15), (e: NativeError) => e.code === 'ESRCH');
  assert.throws(() => signalProcess(1, 'SIGNOPE' as NodeJS.Signals), /unknown signal "SIGNOPE"/);
});

test('kernelFeatures reports what /proc and /sys say', (t) => {
  if (!requireRoot(t)) return;
  const f = kernelFeatures();
  const fsType = execFileSync('stat', ['-f', '-c', '%T', '/sys/fs/cgroup']).toString().trim();
  assert.equal(f.cgroupVersion, fsType === 'cgroup2fs' ? 2 : 1);
  assert.equal(f.overlay, /\toverlay\n/.test(readFileSync('/proc/filesystems', 'utf8')));
  for (const ns of ['net', 'ipc', 'uts', 'pid', 'mnt']) assert.ok(f.namespaces.includes(ns), `namespace ${ns} listed`);
  assert.equal(f.kernel, execFileSync('uname', ['-r']).toString().trim());
  assert.equal(typeof f.pidfd, 'boolean');
});

test('linkIndex finds a link of this network namespace by name, 0 when there is none', (t) => {
  if (!requireRoot(t)) return;
  assert.equal(linkIndex('lo'), 1);
  const name = `fltidx${process.pid % 100000}`;
  assert.equal(linkIndex(name), 0);
  execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
  try {
    const index = linkIndex(name);
    assert.ok(index > 1);
    assert.match(execFileSync('ip', ['-o', 'link', 'show', name]).toString(), new RegExp(`^${index}: ${name}:`));
  } finally {
    execFileSync('ip', ['link', 'del', name]);
  }
  assert.equal(linkIndex(name), 0);
  assert.throws(() => linkIndex('x'.repeat(16)), (e: unknown) => e instanceof NativeError && e.code === 'EINVAL');
});
