import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureRuntime, socketServed } from '../../agent/runtime-launcher.js';
import { removeCgroupTree, unmountUnder } from '../../lab/cleanup.js';
import { isAlive, stopProcess } from '../../lab/exec.js';
import { requireRoot } from '../helpers/root.js';

test('ensureRuntime starts a detached runtime when nothing serves the socket, and reuses one that does', async (t) => {
  if (!requireRoot(t)) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-launcher-'));
  const socket = path.join(dir, 'runtime.sock');
  const cgroup = `flotilla-launcher-${process.pid}`;
  let pid: number | undefined;
  t.after(async () => {
    await stopProcess(pid, 5000);
    await unmountUnder(dir);
    await removeCgroupTree(cgroup).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(await socketServed(socket), false);
  const first = await ensureRuntime({ socketPath: socket, rootDir: path.join(dir, 'runtime'), cgroupParent: `/${cgroup}`, extraArgs: ['--bridge', 'flt-launch'], timeoutMs: 30_000 });
  pid = first.startedPid;
  assert.ok(isAlive(pid), 'the runtime child runs');
  assert.ok((await first.client.version({})).runtimeName);
  first.client.close();
  const second = await ensureRuntime({ socketPath: socket, rootDir: path.join(dir, 'runtime') });
  assert.equal(second.startedPid, undefined, 'the runtime already there is used');
  assert.ok((await second.client.version({})).runtimeName);
  second.client.close();
});

test('ensureRuntime says why when the runtime cannot start', async (t) => {
  if (!requireRoot(t)) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-launcher-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(
    ensureRuntime({ socketPath: path.join(dir, 'rt.sock'), rootDir: path.join(dir, 'runtime'), extraArgs: ['--no-such-flag'], timeoutMs: 20_000 }),
    (e: Error & { code?: string }) => e.code === 'FLT_ERR_AGENT_RUNTIME_START' && /exited .* before serving/.test(e.message) && /no-such-flag/.test(e.message),
  );
});
