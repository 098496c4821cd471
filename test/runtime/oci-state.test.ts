import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, loadBundle } from '../../runtime/oci/bundle.js';
import { signalNumber } from '../../runtime/oci/lifecycle.js';
import { checkId, deriveStatus, procStartTime, pidIsOurs, type StatusFacts } from '../../runtime/oci/state.js';

test('deriveStatus: the status from exit.json, init, shim and exec.fifo', () => {
  const f = (o: Partial<StatusFacts>): StatusFacts => ({ launched: true, exitFile: false, pidAlive: false, shimAlive: false, fifoPresent: false, ...o });
  const cases: [Partial<StatusFacts>, string][] = [
    [{ launched: false }, 'creating'],
    [{ exitFile: true }, 'stopped'],
    [{ exitFile: true, pidAlive: true }, 'stopped'],
    [{ pidAlive: true, fifoPresent: true }, 'created'],
    [{ pidAlive: true }, 'running'],
    [{ shimAlive: true }, 'running'], // init has exited; its shim is writing exit.json
    [{}, 'stopped'], // both gone without a record: the shim was killed
  ];
  for (const [facts, want] of cases) assert.equal(deriveStatus(f(facts)), want, JSON.stringify(facts));
});

test('signalNumber accepts names with or without SIG, and numbers', () => {
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('kill'), 9);
  assert.equal(signalNumber('9'), 9);
  assert.equal(signalNumber(2), 2);
  assert.throws(() => signalNumber('SIGNOPE'), /unknown signal "SIGNOPE"/);
  assert.throws(() => signalNumber(0), /unknown signal/);
});

test('checkId refuses ids that cannot name a directory', () => {
  for (const ok of ['a', 'flotilla-1', 'A_b.c-9']) assert.doesNotThrow(() => checkId(ok));
  for (const bad of ['', '../x', 'a/b', '.hidden', 'x'.repeat(129), 'sp ace']) assert.throws(() => checkId(bad), /invalid container id/);
});

test('checkConfig names the field of config.json that is wrong', () => {
  const good = { ociVersion: '1.0.2', process: { args: ['sh'], cwd: '/' }, root: { path: 'rootfs' } };
  assert.doesNotThrow(() => checkConfig(good, '/b/config.json'));
  const bad = (v: unknown, re: RegExp): void => assert.throws(() => checkConfig(v, '/b/config.json'), re);
  bad([], /\/b\/config.json: must hold a JSON object/);
  bad({ ...good, ociVersion: 1 }, /ociVersion: required/);
  bad({ ...good, process: { args: [], cwd: '/' } }, /process\.args: must be a non-empty array/);
  bad({ ...good, process: { args: ['sh'], cwd: 'rel' } }, /process\.cwd: must be an absolute path/);
  bad({ ...good, root: {} }, /root\.path: required/);
  bad({ ...good, linux: { cgroupsPath: '/a/../b' } }, /linux\.cgroupsPath/);
});

test('procStartTime and pidIsOurs recognise this process and refuse a wrong start time', () => {
  const start = procStartTime(process.pid);
  assert.match(start ?? '', /^\d+$/);
  assert.equal(pidIsOurs(process.pid, start!), true);
  assert.equal(pidIsOurs(process.pid, '1'), false);
  assert.equal(procStartTime(0), undefined);
});

test('loadBundle resolves the bundle, its rootfs and the cgroup path (default /flotilla/ID, relative made absolute)', (t) => {
  const dir = mkdtempSync('/tmp/flotilla-bundle-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'rootfs'));
  const cfg = { ociVersion: '1.0.2', process: { args: ['sh'], cwd: '/' }, root: { path: 'rootfs' }, linux: {} as { cgroupsPath?: string } };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  const b = loadBundle(`${dir}/./`, 'c1');
  assert.equal(b.dir, dir);
  assert.equal(b.rootfs, join(dir, 'rootfs'));
  assert.equal(b.cgroupsPath, '/flotilla/c1');
  cfg.linux.cgroupsPath = 'flotilla-pods/c1';
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  assert.equal(loadBundle(dir, 'c1').cgroupsPath, '/flotilla-pods/c1');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, root: { path: join(dir, 'rootfs') } }));
  assert.equal(loadBundle(dir, 'c1').rootfs, join(dir, 'rootfs'));
});
