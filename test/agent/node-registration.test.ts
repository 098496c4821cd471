import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../api/client.js';
import type { Lease, Node } from '../../api/types.js';
import { Heartbeat, LEASE_NAMESPACE } from '../../agent/heartbeat.js';
import { registerNode, type NodeIdentity } from '../../agent/node-registration.js';
import { startControlPlane } from '../helpers/control-plane.js';

test('registerNode creates the Node, and on a restart updates it keeping podCIDR and taints; heartbeats renew the lease', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  t.after(() => client.close());
  const id: NodeIdentity = { nodeName: 'flotilla-reg-1', address: '192.0.2.10', port: 10250, capacity: { cpu: '2', memory: '4Gi', pods: '110' }, runtimeVersion: 'flotilla://0.1.0' };

  const first = await registerNode(client, id);
  assert.equal(first.metadata.labels?.['kubernetes.io/hostname'], 'flotilla-reg-1');
  assert.equal(first.metadata.labels?.['kubernetes.io/os'], 'linux');
  assert.deepEqual(first.status?.capacity, { cpu: '2', memory: '4Gi', pods: '110' });
  assert.deepEqual(first.status?.allocatable, first.status?.capacity);
  assert.deepEqual(first.status?.addresses, [{ type: 'InternalIP', address: '192.0.2.10' }, { type: 'Hostname', address: 'flotilla-reg-1' }]);
  assert.equal(first.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
  assert.equal(first.status?.nodeInfo?.operatingSystem, 'linux');
  assert.equal(first.status?.nodeInfo?.containerRuntimeVersion, 'flotilla://0.1.0');
  const ready = first.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  assert.ok(ready?.lastHeartbeatTime);

  // The controllers give it a pod CIDR and a taint; an agent restart must keep both.
  await client.patch<Node>('nodes', id.nodeName, { spec: { podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24'], taints: [{ key: 'x', effect: 'NoSchedule' }] } });
  const again = await registerNode(client, { ...id, capacity: { cpu: '1', memory: '2Gi', pods: '110' } });
  assert.equal(again.spec?.podCIDR, '10.244.7.0/24');
  assert.deepEqual(again.spec?.taints, [{ key: 'x', effect: 'NoSchedule' }]);
  assert.equal(again.status?.capacity?.cpu, '1');
  assert.equal(again.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime, ready?.lastTransitionTime);

  const hb = new Heartbeat(client, id, { onError: (what, e) => assert.fail(`${what}: ${(e as Error).message}`) });
  await hb.renewLease();
  const lease1 = await client.get<Lease>('leases', id.nodeName, LEASE_NAMESPACE);
  assert.equal(lease1.spec.holderIdentity, id.nodeName);
  assert.equal(lease1.spec.leaseDurationSeconds, 40);
  await new Promise((r) => setTimeout(r, 20));
  await hb.renewLease();
  const lease2 = await client.get<Lease>('leases', id.nodeName, LEASE_NAMESPACE);
  assert.ok(Date.parse(lease2.spec.renewTime!) > Date.parse(lease1.spec.renewTime!), 'renewTime moves on');
  await hb.beatStatus();
  hb.stop();
});
