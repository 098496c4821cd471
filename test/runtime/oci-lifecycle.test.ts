import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroupLayout } from '../../runtime/cgroups/detect.js';
import { OciError } from '../../runtime/oci/errors.js';
import { OciRuntime } from '../../runtime/oci/lifecycle.js';
import { requireRoot } from '../helpers/root.js';
import { makeBundle, ourRun, runcRun, forceDeleteReference, uniqueId, type TestBundle } from './oci-fixtures.js';

/*
 * The lifecycle through OciRuntime on real namespaces and cgroups: create/start/state/kill/
 * wait/delete, OOM kills, and that delete leaves nothing behind.
 */
interface Ctx {
  rt: OciRuntime;
  root: string;
  bundle: TestBundle;
  id: string;
}

function setup(t: TestContext, tag: string, args: string[], memoryBytes = 32 << 20): Ctx {
  const root = mkdtempSync('/tmp/flotilla-oci-root-');
  const rt = new OciRuntime({ root });
  const bundle = makeBundle(tag);
  const id = uniqueId(tag);
  bundle.config.process.args = args;
  bundle.config.root.readonly = false;
  bundle.config.linux!.cgroupsPath = `/${id}`;
  bundle.config.linux!.resources = { ...bundle.config.linux!.resources, memory: { limit: memoryBytes } };
  bundle.write();
  t.after(async () => {
    await rt.delete(id, { force: true }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    bundle.cleanup();
  });
  return { rt, root, bundle, id };
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

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

test('lifecycle: create → created, start → running, kill → stopped with its exit, delete', async (t) => {
  if (!requireRoot(t)) return;
  // PID 1 of a PID namespace ignores SIGTERM unless it handles it, as under runc: this one does.
  const { rt, bundle, id, root } = setup(t, 'life', ['sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.02; done']);
  const created = await rt.create(id, bundle.dir);
  assert.equal(created.status, 'created');
  assert.ok(created.pid > 0);
  assert.equal(created.bundle, bundle.dir);
  assert.ok(alive(created.pid), 'the init process exists before start');
  assert.deepEqual(rt.list().map((s) => `${s.id}:${s.status}`), [`${id}:created`]);
  await rt.start(id);
  assert.equal(rt.state(id).status, 'running');
  await assert.rejects(rt.start(id), (e: OciError) => e.code === 'FLT_ERR_OCI_STATE' && /running, not created/.test(e.message));
  await assert.rejects(rt.delete(id), (e: OciError) => e.code === 'FLT_ERR_OCI_STATE' && /running/.test(e.message));
  await assert.rejects(rt.create(id, bundle.dir), (e: OciError) => e.code === 'FLT_ERR_OCI_EXISTS');
  await assert.rejects(rt.createOnly(id, bundle.dir), (e: OciError) => e.code === 'FLT_ERR_OCI_EXISTS');
  await assert.rejects(rt.wait(id, 30), (e: OciError) => e.code === 'FLT_ERR_OCI_TIMEOUT' && e.message.includes(`"${id}" to exit`));
  rt.kill(id, 'TERM');
  const exit = await rt.wait(id, 5000);
  assert.equal(exit.signal, null);
  assert.equal(exit.exitCode, 42);
  assert.equal(exit.oomKilled, false);
  const st = rt.state(id);
  assert.equal(st.status, 'stopped');
  assert.equal(st.exitCode, 42);
  assert.ok(st.startedAt && st.finishedAt && st.finishedAt >= st.startedAt, `${st.startedAt} <= ${st.finishedAt}`);
  assert.throws(() => rt.kill(id, 'KILL'), (e: OciError) => e.code === 'FLT_ERR_OCI_STATE');
  await rt.delete(id);
  assert.throws(() => rt.state(id), (e: OciError) => e.code === 'FLT_ERR_OCI_NOT_FOUND' && e.message.includes(id));
  assert.equal(existsSync(join(root, id)), false);
});

test('lifecycle: delete leaves no cgroup (any hierarchy), mount, shim or state directory', async (t) => {
  if (!requireRoot(t)) return;
  const { rt, bundle, id, root } = setup(t, 'clean', ['sleep', '60']);
  const st = await rt.run(id, bundle.dir, { logPath: join(root, 'c.log') });
  assert.equal(st.status, 'running');
  const layout = detectCgroupLayout();
  const cgDirs = layout.version === 1 ? layout.hierarchies.map((h) => join(h.mountPoint, id)) : [join(layout.root, id)];
  assert.ok(cgDirs.some((d) => existsSync(d)), 'the container has a cgroup while it runs');
  const inCgroup = readFileSync(`/proc/${st.pid}/cgroup`, 'utf8');
  assert.match(inCgroup, new RegExp(`memory:/${id}`), 'init is in its memory cgroup');
  assert.ok(alive(st.shimPid), 'the shim runs beside the container');
  await rt.delete(id, { force: true });
  for (const d of cgDirs) assert.equal(existsSync(d), false, `${d} removed`);
  assert.equal(alive(st.pid), false, 'container init gone');
  assert.equal(alive(st.shimPid), false, 'shim gone');
  assert.equal(existsSync(join(root, id)), false, 'state directory gone');
  const hostMounts = readFileSync('/proc/self/mountinfo', 'utf8');
  assert.ok(!hostMounts.includes(bundle.dir) && !hostMounts.includes(join(root, id)), 'no mount of the bundle or state left on the host');
  assert.deepEqual(rt.list(), []);
});

test('OOM: a container allocating past 16 MiB is killed and reported OOMKilled (as runc shows 137)', async (t) => {
  if (!requireRoot(t)) return;
  // tail keeps the last "line" of its input in memory; /dev/zero has no newline, so it only grows.
  const args = ['sh', '-c', 'head -c 64m /dev/zero | tail'];
  const { rt, bundle, id } = setup(t, 'oom', args, 16 << 20);
  const r = await ourRun(rt, bundle.dir, id);
  assert.equal(r.oomKilled, true, 'wait reports oomKilled');
  assert.equal(r.status, 137);
  // The same bundle under runc: the shell sees its pipeline's tail die of SIGKILL too.
  const runcId = uniqueId('oom-runc');
  t.after(() => forceDeleteReference(runcId));
  bundle.config.linux!.cgroupsPath = `/${runcId}`;
  bundle.write();
  assert.equal(runcRun(bundle.dir, runcId).status, 137);
});

test('OOM: state of a stopped OOM-killed container says oomKilled; a plain SIGKILL is not OOM', async (t) => {
  if (!requireRoot(t)) return;
  const { rt, bundle, id } = setup(t, 'oom2', ['tail', '/dev/zero'], 16 << 20);
  await rt.run(id, bundle.dir);
  const exit = await rt.wait(id, 20000);
  assert.equal(exit.signal, 9);
  assert.equal(exit.oomKilled, true);
  assert.equal(rt.state(id).oomKilled, true);
  await rt.delete(id);

  const other = setup(t, 'kill9', ['sleep', '60'], 16 << 20);
  await other.rt.run(other.id, other.bundle.dir);
  other.rt.kill(other.id, 9);
  const e2 = await other.rt.wait(other.id, 5000);
  assert.equal(e2.signal, 9);
  assert.equal(e2.oomKilled, false);
});

test('errors: missing executable gives the runc-like message and leaves nothing', async (t) => {
  if (!requireRoot(t)) return;
  const { rt, bundle, id, root } = setup(t, 'noexec', ['/bin/nope']);
  await assert.rejects(rt.create(id, bundle.dir), (e: OciError) => {
    assert.equal(e.code, 'FLT_ERR_OCI_LAUNCH');
    assert.match(e.message, /exec: "\/bin\/nope": no such file or directory/);
    return true;
  });
  assert.equal(existsSync(join(root, id)), false, 'no state directory after a failed create');
  assert.equal(existsSync(`/sys/fs/cgroup/memory/${id}`), false, 'no cgroup after a failed create');
});

test('errors: bad bundles name the file; unknown ids and bad ids are refused', async (t) => {
  if (!requireRoot(t)) return;
  const { rt, bundle, id, root } = setup(t, 'badbundle', ['true']);
  const cfg = join(bundle.dir, 'config.json');
  const code = (re: RegExp) => (e: OciError) => e.code === 'FLT_ERR_OCI_BUNDLE' && re.test(e.message);
  await assert.rejects(rt.create(id, '/nonexistent/flotilla-bundle'), code(/bundle \/nonexistent\/flotilla-bundle: no such directory/));
  writeFileSync(cfg, '{"ociVersion": "1.0.2", "process": ');
  await assert.rejects(rt.create(id, bundle.dir), code(new RegExp(`${cfg}: invalid JSON`)));
  rmSync(cfg);
  await assert.rejects(rt.create(id, bundle.dir), code(new RegExp(`${cfg}: no such file`)));
  bundle.config.root.path = 'missing-rootfs';
  bundle.write();
  await assert.rejects(rt.create(id, bundle.dir), code(new RegExp(`${cfg}: root.path: .*missing-rootfs does not exist`)));
  bundle.config.root.path = 'rootfs';
  bundle.config.process.args = [];
  bundle.write();
  await assert.rejects(rt.create(id, bundle.dir), code(/process\.args: must be a non-empty array/));
  assert.equal(existsSync(join(root, id)), false);
  assert.throws(() => rt.state('flotilla-no-such'), (e: OciError) => e.code === 'FLT_ERR_OCI_NOT_FOUND' && /"flotilla-no-such" does not exist/.test(e.message));
  await assert.rejects(rt.delete('flotilla-no-such'), (e: OciError) => e.code === 'FLT_ERR_OCI_NOT_FOUND');
  assert.throws(() => rt.state('../etc'), (e: OciError) => e.code === 'FLT_ERR_OCI_BAD_ID');
  assert.throws(() => rt.kill(id, 'SIGNOPE'), (e: OciError) => /unknown signal "SIGNOPE"/.test(e.message));
});

test('delete: tasks that outlive init (no PID namespace) are killed and the cgroup still goes', async (t) => {
  if (!requireRoot(t)) return;
  const { rt, bundle, id, root } = setup(t, 'orphans', ['sh', '-c', 'sleep 60 & echo $! > /tmp/orphan.pid; exit 0']);
  bundle.config.linux!.namespaces = bundle.config.linux!.namespaces!.filter((n) => n.type !== 'pid');
  bundle.write();
  await rt.run(id, bundle.dir);
  const exit = await rt.wait(id, 5000);
  assert.equal(exit.exitCode, 0);
  const orphan = Number(readFileSync(join(bundle.dir, 'rootfs/tmp/orphan.pid'), 'utf8'));
  assert.ok(alive(orphan), 'the background sleep outlived init');
  await rt.delete(id);
  await waitFor('the orphaned sleep to die', () => !alive(orphan), 2000);
  assert.equal(existsSync(`/sys/fs/cgroup/memory/${id}`), false);
  assert.equal(existsSync(join(root, id)), false);
});

test('state cache: state.json is read once per runtime; a new runtime reads the disk; a removal behind its back is seen', async (t) => {
  if (!requireRoot(t)) return;
  const { rt, bundle, id, root } = setup(t, 'cache', ['sleep', '60']);
  await rt.create(id, bundle.dir);
  await rt.start(id);
  // Spoil the file: the runtime that wrote it answers from memory, a fresh one (a restart) from the disk.
  const good = readFileSync(join(root, id, 'state.json'), 'utf8');
  writeFileSync(join(root, id, 'state.json'), '{spoiled');
  assert.equal(rt.state(id).status, 'running');
  assert.throws(() => new OciRuntime({ root }).state(id), (e: OciError) => e.code === 'FLT_ERR_OCI_STATE' && /corrupt state/.test(e.message));
  writeFileSync(join(root, id, 'state.json'), good);
  // Another runtime over the root deletes it: the cached one reports it gone, not stopped.
  await new OciRuntime({ root }).delete(id, { force: true });
  assert.throws(() => rt.state(id), (e: OciError) => e.code === 'FLT_ERR_OCI_NOT_FOUND');
});
