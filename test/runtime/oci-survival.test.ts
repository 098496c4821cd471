import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OciRuntime, type ContainerState } from '../../runtime/oci/lifecycle.js';
import { requireRoot } from '../helpers/root.js';
import { makeBundle, uniqueId } from './oci-fixtures.js';

/*
 * Survival: a container made by one process keeps running after that process is killed
 * with SIGKILL, and a fresh OciRuntime (a restarted runtime service) finds it, and reads its
 * exit status once it ends.
 */
const LIFECYCLE = fileURLToPath(new URL('../../runtime/oci/lifecycle.js', import.meta.url));

function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('survival: the container outlives kill -9 of its creator; a fresh runtime reads its exit', async (t) => {
  if (!requireRoot(t)) return;
  const root = mkdtempSync('/tmp/flotilla-oci-root-');
  const bundle = makeBundle('survive');
  const id = uniqueId('survive');
  bundle.config.process.args = ['sh', '-c', 'while [ ! -e /tmp/stop ]; do sleep 0.02; done; exit 42'];
  bundle.config.root.readonly = false;
  bundle.config.linux!.cgroupsPath = `/${id}`;
  bundle.write();
  t.after(async () => {
    await new OciRuntime({ root }).delete(id, { force: true }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    bundle.cleanup();
  });

  const script = `
    const { OciRuntime } = await import(${JSON.stringify(LIFECYCLE)});
    const rt = new OciRuntime({ root: ${JSON.stringify(root)} });
    const st = await rt.run(${JSON.stringify(id)}, ${JSON.stringify(bundle.dir)});
    process.stdout.write(JSON.stringify(st) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const creator = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    if (creator.exitCode === null && creator.signalCode === null) creator.kill('SIGKILL');
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out after 15 s waiting for the creator process to print the state')), 15000);
    createInterface({ input: creator.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    creator.once('exit', (code) => reject(new Error(`creator exited with ${code} before printing the state`)));
  });
  const made = JSON.parse(line) as ContainerState;
  assert.equal(made.status, 'running');

  const gone = new Promise((resolve) => creator.once('exit', resolve));
  creator.kill('SIGKILL');
  await gone;

  const fresh = new OciRuntime({ root });
  const st = fresh.state(id);
  assert.equal(st.status, 'running', 'still running after its creator died');
  assert.equal(st.pid, made.pid);
  assert.ok(alive(made.pid) && alive(made.shimPid), 'container and shim alive');

  writeFileSync(join(bundle.dir, 'rootfs/tmp/stop'), '');
  const exit = await fresh.wait(id, 10000);
  assert.equal(exit.exitCode, 42);
  assert.equal(exit.signal, null);
  const later = new OciRuntime({ root }).state(id);
  assert.equal(later.status, 'stopped');
  assert.equal(later.exitCode, 42);
  await new OciRuntime({ root }).delete(id);
});
