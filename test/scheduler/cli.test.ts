/**
 * `flotilla scheduler` as its own process against a real control plane: it binds a pod, stops
 * cleanly on SIGTERM (releasing the lease), and refuses a bad config file with one clear line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../../api/client.js';
import type { Lease, Node, Pod } from '../../api/types.js';
import { startControlPlane } from '../helpers/control-plane.js';
import { readyNode } from '../../scheduler/node-info.js';
import { pod } from './fixtures.js';
import { waitFor } from './wait.js';

const FLOTILLA = fileURLToPath(new URL('../../../bin/flotilla', import.meta.url));

test('flotilla scheduler binds pods and stops on SIGTERM, releasing the lease', async (t) => {
  const cp = await startControlPlane();
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-sched-cli-'));
  t.after(async () => {
    client.close();
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'sched.yaml'), 'scoreWeights:\n  NodeResourcesBalancedAllocation: 2\nbindConcurrency: 8\n');
  const child = spawn(process.execPath, [FLOTILLA, 'scheduler', '--server', cp.url, '--token', cp.token, '--ca', cp.caFile,
    '--config', join(dir, 'sched.yaml'), '--identity', 'cli-sched', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  await client.create<Node>('nodes', readyNode('only', { cpu: '2', memory: '2Gi' }));
  const p = pod({ name: 'cli-pod', cpu: '100m' });
  delete p.metadata.uid;
  delete p.status;
  await client.create<Pod>('pods', p, 'default');
  const node = await waitFor(async () => (await client.get<Pod>('pods', 'cli-pod', 'default')).spec.nodeName, 20_000, `cli-pod bound by the scheduler process (output: ${output})`);
  assert.equal(node, 'only');
  assert.equal((await client.get<Lease>('leases', 'flotilla-scheduler', 'kube-system')).spec.holderIdentity, 'cli-sched');

  child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 10_000).unref())]);
  assert.equal(code, 0, `exit status after SIGTERM (output: ${output})`);
  assert.equal((await client.get<Lease>('leases', 'flotilla-scheduler', 'kube-system')).spec.holderIdentity, '', 'the lease was released');
});

test('flotilla scheduler: a bad config file is one clear line and exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-sched-cli-'));
  try {
    writeFileSync(join(dir, 'bad.yaml'), 'scoreWeights:\n  Magic: 3\n');
    const r = spawnSync(process.execPath, [FLOTILLA, 'scheduler', '--server', 'https://127.0.0.1:1', '--token', 't', '--config', join(dir, 'bad.yaml')], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.yaml:2:3: scoreWeights\.Magic: unknown score plugin/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
