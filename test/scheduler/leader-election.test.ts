/**
 * Leader election against the real API: the lease is created by the first candidate, renewed by
 * compare-and-swap, and taken over by a second candidate only after the first stops renewing for
 * the lease duration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../api/client.js';
import type { Lease } from '../../api/types.js';
import { startControlPlane } from '../helpers/control-plane.js';
import { LeaderElector } from '../../scheduler/leader-election.js';
import { waitFor } from './wait.js';

test('a second candidate takes the lease over only after the holder stops renewing', async (t) => {
  const cp = await startControlPlane();
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  t.after(async () => {
    client.close();
    await cp.stop();
  });
  const log: string[] = [];
  const mk = (id: string) => new LeaderElector({
    client, identity: id, name: 'test-lease', leaseDurationSeconds: 2, retryPeriodMs: 200,
    onStartedLeading: () => log.push(`${id} started`), onStoppedLeading: () => log.push(`${id} stopped`),
  });
  const a = mk('a');
  const b = mk('b');
  t.after(async () => {
    await a.stop(false);
    await b.stop(false);
  });
  a.start();
  await waitFor(() => a.isLeader(), 5_000, 'a to lead');
  b.start();
  await new Promise((r) => setTimeout(r, 2_500)); // longer than the lease: a keeps renewing, so b must wait
  assert.equal(b.isLeader(), false, 'b must not steal a renewed lease');
  const renewed = await client.get<Lease>('leases', 'test-lease', 'kube-system');
  assert.equal(renewed.spec.holderIdentity, 'a');
  assert.ok(Date.now() - Date.parse(renewed.spec.renewTime!) < 1_500, 'a renews its lease');

  const crashedAt = Date.now();
  await a.stop(false); // a "crashes": no release, the lease just stops being renewed
  await waitFor(() => b.isLeader(), 8_000, 'b to take over after the lease expired');
  const waited = Date.now() - crashedAt;
  assert.ok(waited >= 1_500, `b took over after ${waited} ms, before the 2 s lease could expire`);
  const lease = await client.get<Lease>('leases', 'test-lease', 'kube-system');
  assert.equal(lease.spec.holderIdentity, 'b');
  assert.equal(lease.spec.leaseTransitions, 1);
  assert.deepEqual(log, ['a started', 'a stopped', 'b started']);
});

test('a released lease is taken over at once', async (t) => {
  const cp = await startControlPlane();
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  t.after(async () => {
    client.close();
    await cp.stop();
  });
  const mk = (id: string) => new LeaderElector({ client, identity: id, leaseDurationSeconds: 15, retryPeriodMs: 200, onStartedLeading() {}, onStoppedLeading() {} });
  const a = mk('a');
  const b = mk('b');
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  a.start();
  await waitFor(() => a.isLeader(), 5_000, 'a to lead');
  b.start();
  const releasedAt = Date.now();
  await a.stop(true);
  await waitFor(() => b.isLeader(), 5_000, 'b to take the released lease');
  assert.ok(Date.now() - releasedAt < 5_000, 'no wait for the 15 s lease to expire');
});
