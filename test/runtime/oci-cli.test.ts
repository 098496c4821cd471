import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireCommand, requireRoot } from '../helpers/root.js';
import { forceDeleteReference, makeBundle, uniqueId } from './oci-fixtures.js';

/* `flotilla oci`, driven as a user would: runc's verbs, runc's state JSON, clear errors. */
const FLOTILLA = fileURLToPath(new URL('../../../bin/flotilla', import.meta.url));

function oci(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [FLOTILLA, 'oci', ...args], { encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('flotilla oci run: foreground, the container output, its exit code, nothing left', async (t) => {
  if (!requireRoot(t)) return;
  const root = mkdtempSync('/tmp/flotilla-oci-root-');
  const b = makeBundle('cli-run');
  const id = uniqueId('cli-run');
  t.after(() => {
    oci('delete', '--force', '--root', root, id);
    rmSync(root, { recursive: true, force: true });
    b.cleanup();
  });
  b.config.process.args = ['sh', '-c', 'echo hello from $(hostname); echo oops >&2; exit 5'];
  b.config.linux!.cgroupsPath = `/${id}`;
  b.write();
  const r = oci('run', '--root', root, '--bundle', b.dir, id);
  assert.equal(r.status, 5, r.stderr);
  assert.equal(r.stdout, 'hello from runc\n');
  assert.equal(r.stderr, 'oops\n');
  assert.equal(oci('list', '--root', root).stdout.trim(), 'ID   PID   STATUS   BUNDLE   CREATED');
});

test('flotilla oci create/start/state/kill/delete, with the keys `runc state` prints', async (t) => {
  if (!requireRoot(t) || !(await requireCommand(t, 'runc'))) return;
  const root = mkdtempSync('/tmp/flotilla-oci-root-');
  const b = makeBundle('cli-life');
  const id = uniqueId('cli-life');
  const runcId = uniqueId('cli-life-runc');
  t.after(() => {
    oci('delete', '--force', '--root', root, id);
    forceDeleteReference(runcId);
    rmSync(root, { recursive: true, force: true });
    b.cleanup();
  });
  b.config.process.args = ['sleep', '60'];
  b.config.linux!.cgroupsPath = `/${id}`;
  b.write();
  const created = oci('create', '--root', root, '--bundle', b.dir, id);
  assert.equal(created.status, 0, created.stderr);
  const state = (): Record<string, unknown> => JSON.parse(oci('state', '--root', root, id).stdout) as Record<string, unknown>;
  const s1 = state();
  assert.equal(s1.status, 'created');
  assert.equal(s1.id, id);
  assert.equal(s1.bundle, b.dir);
  assert.equal(String(s1.pid), created.stdout.trim());

  b.config.linux!.cgroupsPath = `/${runcId}`;
  b.write();
  assert.equal(spawnSync('runc', ['create', '--bundle', b.dir, runcId], { stdio: 'ignore' }).status, 0);
  const runcState = JSON.parse(spawnSync('runc', ['state', runcId], { encoding: 'utf8' }).stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(s1).sort(), Object.keys(runcState).sort(), 'same keys as runc state');
  assert.equal(runcState.status, s1.status);

  const dup = oci('create', '--root', root, '--bundle', b.dir, id);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, new RegExp(`^flotilla oci: container "${id}" already exists`));
  assert.equal(oci('start', '--root', root, id).status, 0);
  assert.equal(state().status, 'running');
  const busy = oci('delete', '--root', root, id);
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /it is running/);
  assert.equal(oci('kill', '--root', root, id, 'KILL').status, 0);
  const deadline = Date.now() + 5000;
  while (state().status !== 'stopped') {
    assert.ok(Date.now() < deadline, 'timed out after 5 s waiting for the killed container to stop');
  }
  assert.equal(oci('delete', '--root', root, id).status, 0);
  const gone = oci('state', '--root', root, id);
  assert.equal(gone.status, 1);
  assert.equal(gone.stderr, `flotilla oci: container "${id}" does not exist\n`);
});

test('flotilla oci: a missing bundle or config.json is named, without a stack trace', async (t) => {
  if (!requireRoot(t)) return;
  const root = mkdtempSync('/tmp/flotilla-oci-root-');
  const empty = mkdtempSync('/tmp/flotilla-oci-empty-');
  t.after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });
  const r1 = oci('create', '--root', root, '--bundle', '/nonexistent/flotilla-b', 'flotilla-x');
  assert.equal(r1.status, 1);
  assert.equal(r1.stderr, 'flotilla oci: bundle /nonexistent/flotilla-b: no such directory\n');
  const r2 = oci('run', '--root', root, '--bundle', empty, 'flotilla-x');
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, new RegExp(`^flotilla oci: ${empty}/config.json: no such file`));
  assert.ok(!r2.stderr.includes('    at '), 'no stack trace');
  const r3 = oci('frobnicate', 'x');
  assert.equal(r3.status, 1);
  assert.match(r3.stderr, /unknown command "frobnicate"/);
  const r4 = oci('state', '--root', root);
  assert.equal(r4.status, 1);
  assert.match(r4.stderr, /state: missing container ID/);
});
