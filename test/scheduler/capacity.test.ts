/**
 * Capacity is kept exactly under a race: 200 pods are created concurrently while two schedulers run
 * (one leads by the lease, one stands by) over 10 nodes that each fit exactly 15 of them. 150 must be
 * bound, 50 stay Pending, and no node may be over-committed by the sum of requests the API shows.
 * Then the leader stops and the standby takes over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../api/client.js';
import { parseBytes, parseMilli } from '../../api/quantity.js';
import type { Lease, Node, Pod } from '../../api/types.js';
import { startControlPlane } from '../helpers/control-plane.js';
import { readyNode } from '../../scheduler/node-info.js';
import { runScheduler } from '../../scheduler/run.js';
import { pod } from './fixtures.js';
import { waitFor } from './wait.js';

function newPod(name: string): Pod {
  const p = pod({ name, cpu: '100m', memory: '1Gi' });
  delete p.metadata.uid;
  delete p.metadata.creationTimestamp;
  delete p.status;
  return p;
}

async function listPods(client: ApiClient): Promise<Pod[]> {
  return (await client.list<Pod>('pods', { namespace: 'default' })).items;
}

test('200 pods racing for 10 nodes of 15 slots: exactly 150 bound, none over-committed; standby takes over', async (t) => {
  const cp = await startControlPlane();
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  t.after(async () => {
    client.close();
    await cp.stop();
  });
  for (let i = 0; i < 10; i++) await client.create<Node>('nodes', readyNode(`node-${i}`, { cpu: '1500m', memory: '15Gi', pods: '110' }));

  const a = await runScheduler({ client, identity: 'sched-a' });
  t.after(() => a.stop());
  const b = await runScheduler({ client, identity: 'sched-b' });
  t.after(() => b.stop());
  await waitFor(() => a.isLeader() || b.isLeader(), 10_000, 'one scheduler to win the lease');
  const [leader, standby] = a.isLeader() ? [a, b] : [b, a];

  // 200 pods, created 25 at a time while the leader already schedules.
  const names = Array.from({ length: 200 }, (_, i) => `race-${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(names.slice(i, i + 25).map((n) => client.create<Pod>('pods', newPod(n), 'default')));
  }

  await waitFor(async () => (await listPods(client)).filter((p) => p.spec.nodeName).length === 150, 30_000, '150 of 200 pods bound');
  await new Promise((r) => setTimeout(r, 1_500)); // nothing more may bind
  const pods = await listPods(client);
  const bound = pods.filter((p) => p.spec.nodeName);
  assert.equal(bound.length, 150);
  assert.equal(pods.filter((p) => !p.spec.nodeName).length, 50);

  const perNode = new Map<string, { cpu: number; memory: number; pods: number }>();
  for (const p of bound) {
    const u = perNode.get(p.spec.nodeName!) ?? { cpu: 0, memory: 0, pods: 0 };
    for (const c of p.spec.containers) {
      u.cpu += parseMilli(c.resources?.requests?.cpu ?? '0');
      u.memory += parseBytes(c.resources?.requests?.memory ?? '0');
    }
    u.pods++;
    perNode.set(p.spec.nodeName!, u);
  }
  const nodes = (await client.list<Node>('nodes')).items;
  assert.equal(perNode.size, 10, 'every node got pods');
  for (const n of nodes) {
    const u = perNode.get(n.metadata.name!)!;
    const alloc = n.status!.allocatable!;
    assert.ok(u.cpu <= parseMilli(alloc.cpu!), `${n.metadata.name}: cpu ${u.cpu}m requested > ${alloc.cpu}`);
    assert.ok(u.memory <= parseBytes(alloc.memory!), `${n.metadata.name}: memory over-committed`);
    assert.equal(u.pods, 15, `${n.metadata.name} holds exactly 15 pods`);
  }
  assert.equal(standby.isLeader(), false);
  assert.equal(standby.stats().attempts, 0, 'the standby made no decision');
  assert.equal(leader.stats().scheduled, 150);
  const lease = await client.get<Lease>('leases', 'flotilla-scheduler', 'kube-system');
  assert.equal(lease.spec.holderIdentity, leader.identity);
  assert.equal(lease.spec.leaseDurationSeconds, 15);

  // Failover: the leader stops (releasing the lease); the standby takes over and binds new work.
  await leader.stop();
  await waitFor(() => standby.isLeader(), 10_000, 'the standby to take the lease over');
  await client.create<Node>('nodes', readyNode('node-extra', { cpu: '1500m', memory: '15Gi' }));
  await waitFor(async () => (await listPods(client)).filter((p) => p.spec.nodeName === 'node-extra').length === 15, 20_000, '15 pending pods bound to node-extra by the new leader');
  assert.equal((await client.get<Lease>('leases', 'flotilla-scheduler', 'kube-system')).spec.holderIdentity, standby.identity);
  assert.ok(standby.stats().scheduled >= 15);
});
