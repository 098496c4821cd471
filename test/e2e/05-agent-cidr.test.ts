/**
 * startAgent in-process, as `flotilla up` and the lab call it: with nothing serving the runtime
 * socket it starts `flotilla runtime` itself (detached, surviving the agent); with no pod CIDR on
 * its Node and no --pod-cidr it starts no sandbox, and runs the pod once the Node gets one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { silentLogger } from '../../agent/logger.js';
import { ApiClient } from '../../api/client.js';
import type { Node, Pod } from '../../api/types.js';
import { isAlive, stopProcess } from '../../lab/exec.js';
import { RuntimeClient } from '../../runtime/client.js';
import { startControlPlane } from '../helpers/control-plane.js';
import { requireRoot } from '../helpers/root.js';
import { busyboxPod, getPod, importBusybox, removeNodeLeftovers, waitFor } from './05-agent-harness.js';

test('startAgent starts the runtime, waits for the Node\'s pod CIDR, then runs pods in it', async (t) => {
  if (!requireRoot(t)) return;
  const root = mkdtempSync(path.join(tmpdir(), 'flotilla-e2e-e5cidr-'));
  const socket = path.join(root, 'runtime.sock');
  const cgroupName = `flotilla-e2e-e5cidr-${process.pid}`;
  const bridge = 'flt-e5cidr';
  let agent: RunningAgent | undefined;
  let client: ApiClient | undefined;
  let runtimePid: number | undefined;
  const cp = await startControlPlane();
  t.after(async () => {
    if (client && agent) {
      await client.delete('pods', 'wait-cidr', { namespace: 'default', gracePeriodSeconds: 0 }).catch(() => {});
      await waitFor('the pod sandbox to be removed', async () => {
        const rt = await RuntimeClient.connect(socket, 2000);
        try {
          return (await rt.listPodSandbox({})).items.length === 0;
        } finally {
          rt.close();
        }
      }, 20_000).catch(() => {});
    }
    await agent?.stop();
    await stopProcess(runtimePid, 5000);
    client?.close();
    await cp.stop();
    await removeNodeLeftovers(bridge, root, cgroupName);
    rmSync(root, { recursive: true, force: true });
  });

  await importBusybox(root);

  agent = await startAgent({
    server: cp.url, token: cp.token, caPem: cp.caPem, nodeName: 'flotilla-e5cidr', rootDir: root,
    runtimeSocket: socket, cgroupParent: `/${cgroupName}`, address: '127.0.0.1', port: 0,
    runtimeArgs: ['--bridge', bridge], log: silentLogger,
  });
  runtimePid = agent.runtimePid;
  assert.ok(isAlive(runtimePid), 'the agent started a runtime');
  assert.equal(agent.nodeName, 'flotilla-e5cidr');
  client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });

  await client.create<Pod>('pods', busyboxPod('wait-cidr', agent.nodeName, 'sleep 3600', { terminationGracePeriodSeconds: 0 }));
  await new Promise((r) => setTimeout(r, 2000));
  const waiting = await getPod(client, 'wait-cidr');
  assert.equal(waiting?.status?.podIP, undefined, 'no sandbox before the node has a pod CIDR');
  const rt = await RuntimeClient.connect(socket, 5000);
  t.after(() => rt.close());
  assert.equal((await rt.listPodSandbox({})).items.length, 0);

  await client.patch<Node>('nodes', agent.nodeName, { spec: { podCIDR: '10.244.231.0/24', podCIDRs: ['10.244.231.0/24'] } });
  const running = await waitFor('the pod to run once the node has a pod CIDR', async () => {
    const p = await getPod(client!, 'wait-cidr');
    return p?.status?.phase === 'Running' ? p : undefined;
  }, 30_000);
  assert.match(running.status?.podIP ?? '', /^10\.244\.231\.\d+$/);

  // Stopping the agent leaves the runtime and the container running.
  await agent.stop();
  assert.ok(isAlive(runtimePid), 'the runtime outlives the agent');
  const containers = await rt.listContainers({});
  assert.equal(containers.containers.filter((c) => c.state === 'CONTAINER_RUNNING').length, 1);
  agent = await startAgent({
    server: cp.url, token: cp.token, caPem: cp.caPem, nodeName: 'flotilla-e5cidr', rootDir: root,
    runtimeSocket: socket, cgroupParent: `/${cgroupName}`, address: '127.0.0.1', port: 0, log: silentLogger,
  });
  assert.equal(agent.runtimePid, undefined, 'the second agent uses the runtime already there');
});
