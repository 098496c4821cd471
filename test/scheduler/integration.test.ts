/**
 * The scheduler against a real etcd and a real HTTPS API server: pods get bound with a Scheduled
 * event; a pod that fits nowhere gets one FailedScheduling event with kubectl's summary (updated, not
 * repeated) and is bound once a node with room appears; a bind that loses a race is forgotten and
 * requeued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../api/client.js';
import type { Event, Node, Pod } from '../../api/types.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { readyNode } from '../../scheduler/node-info.js';
import { runScheduler, startInformers } from '../../scheduler/run.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { defaultConfig } from '../../scheduler/config.js';
import { pod } from './fixtures.js';
import { waitFor } from './wait.js';

async function setup(t: { after(fn: () => Promise<void> | void): void }): Promise<{ cp: ControlPlane; client: ApiClient }> {
  const cp = await startControlPlane();
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  t.after(async () => {
    client.close();
    await cp.stop();
  });
  return { cp, client };
}

function newPod(name: string, o: Parameters<typeof pod>[0] = {}): Pod {
  const p = pod({ name, ...o });
  delete p.metadata.uid;
  delete p.metadata.creationTimestamp;
  delete p.status;
  return p;
}

async function eventsFor(client: ApiClient, podName: string): Promise<Event[]> {
  const list = await client.list<Event>('events', { namespace: 'default' });
  return list.items.filter((e) => e.involvedObject.name === podName);
}

test('pods are bound and a Scheduled event names the node', async (t) => {
  const { client } = await setup(t);
  for (const n of ['node-1', 'node-2', 'node-3']) await client.create<Node>('nodes', readyNode(n, { cpu: '4', memory: '8Gi' }));
  const sched = await runScheduler({ client, identity: 'it-sched' });
  t.after(() => sched.stop());
  await client.create<Pod>('pods', newPod('web-1', { cpu: '500m', memory: '256Mi' }), 'default');

  const bound = await waitFor(async () => (await client.get<Pod>('pods', 'web-1', 'default')).spec.nodeName, 15_000, 'web-1 bound to a node');
  assert.match(bound, /^node-[123]$/);
  const ev = await waitFor(async () => (await eventsFor(client, 'web-1')).find((e) => e.reason === 'Scheduled'), 10_000, 'the Scheduled event of web-1');
  assert.equal(ev.message, `Successfully assigned default/web-1 to ${bound}`);
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.source?.component, 'flotilla-scheduler');
  assert.equal(ev.involvedObject.kind, 'Pod');
  assert.equal(ev.involvedObject.namespace, 'default');
  assert.equal(sched.isLeader(), true);
});

test('a pod that fits nowhere gets FailedScheduling with the summary, once, and is bound when room appears', async (t) => {
  const { client } = await setup(t);
  await client.create<Node>('nodes', readyNode('node-a', { cpu: '4', memory: '1Gi' }, { labels: { zone: 'a' } }));
  await client.create<Node>('nodes', readyNode('node-b', { cpu: '4', memory: '1Gi' }, { labels: { zone: 'b' } }));
  await client.create<Node>('nodes', readyNode('node-c', { cpu: '4', memory: '8Gi' }, { labels: { zone: 'c' } }));
  const sched = await runScheduler({ client, identity: 'it-sched' });
  t.after(() => sched.stop());
  const affinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn' as const, values: ['c'] }] }] } };
  await client.create<Pod>('pods', newPod('big', { memory: '2Gi', nodeAffinity: affinity }), 'default');

  const want = "0/3 nodes are available: 2 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector.";
  const first = await waitFor(async () => (await eventsFor(client, 'big')).find((e) => e.reason === 'FailedScheduling'), 15_000, 'the FailedScheduling event of "big"');
  assert.equal(first.message, want);
  assert.equal(first.type, 'Warning');
  assert.equal(first.source?.component, 'flotilla-scheduler');

  // Changes that do not help make the pod retry; the one event is updated, not repeated.
  for (let i = 0; i < 2; i++) {
    const n = await client.get<Node>('nodes', 'node-a');
    await client.update<Node>('nodes', { ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, round: String(i) } } });
    await new Promise((r) => setTimeout(r, 2_200)); // past the pod's backoff (1 s, then 2 s)
  }
  const failed = await waitFor(async () => {
    const evs = (await eventsFor(client, 'big')).filter((e) => e.reason === 'FailedScheduling');
    return evs.length === 1 && (evs[0]!.count ?? 0) >= 2 ? evs : undefined;
  }, 10_000, 'one FailedScheduling event for "big" with count >= 2');
  assert.equal(failed[0]!.message, want);
  assert.equal((await client.get<Pod>('pods', 'big', 'default')).spec.nodeName, undefined);

  await client.create<Node>('nodes', readyNode('node-d', { cpu: '4', memory: '8Gi' }, { labels: { zone: 'd' } }));
  const node = await waitFor(async () => (await client.get<Pod>('pods', 'big', 'default')).spec.nodeName, 15_000, '"big" bound after node-d appeared');
  assert.equal(node, 'node-d');
});

test('a bind that loses the race (409) is forgotten and the pod is not bound twice', async (t) => {
  const { client } = await setup(t);
  for (const n of ['n1', 'n2']) await client.create<Node>('nodes', readyNode(n, { cpu: '1', memory: '1Gi' }));
  // A competitor binds the pod to n2 just before our bind: the server answers 409.
  let competed = 0;
  const racingBinder = {
    async bind(ns: string, name: string, node: string) {
      if (name === 'contested') {
        competed++;
        if (competed === 1) await client.bind(ns, name, 'n2');
      }
      return client.bind(ns, name, node);
    },
  };
  const scheduler = new Scheduler({ binder: racingBinder, events: client, config: defaultConfig() });
  const informers = await startInformers(client, scheduler);
  scheduler.start();
  t.after(async () => {
    await scheduler.pause();
    informers.stop();
    scheduler.queue.close();
  });
  await client.create<Pod>('pods', newPod('contested', { cpu: '600m' }), 'default');
  await waitFor(async () => scheduler.stats.bindConflicts === 1 || undefined, 10_000, 'the bind conflict of "contested"');
  await waitFor(async () => (scheduler.cache.nodeInfo('n2')?.pods.has('default/contested') ? true : undefined), 10_000, 'cache shows "contested" on n2');
  assert.equal(scheduler.cache.isAssumed('default/contested'), false);
  assert.equal(scheduler.cache.nodeInfo('n1')?.podCount ?? 0, 0, 'the lost assumption on n1 was forgotten');
  assert.equal((await client.get<Pod>('pods', 'contested', 'default')).spec.nodeName, 'n2');
  assert.equal(scheduler.queue.has('default/contested'), false, 'a pod bound elsewhere leaves the queue');
  // n1 still has room for a 600m pod: the forgotten assumption does not block it
  await client.create<Pod>('pods', newPod('next', { cpu: '600m' }), 'default');
  const next = await waitFor(async () => (await client.get<Pod>('pods', 'next', 'default')).spec.nodeName, 10_000, '"next" bound');
  assert.equal(next, 'n1');
});

test('a pod waiting for room is bound when a bound pod finishes or is deleted', async (t) => {
  const { client } = await setup(t);
  await client.create<Node>('nodes', readyNode('tiny', { cpu: '4', memory: '4Gi', pods: '1' }));
  const sched = await runScheduler({ client, identity: 'it-sched' });
  t.after(() => sched.stop());
  await client.create<Pod>('pods', newPod('first'), 'default');
  await waitFor(async () => (await client.get<Pod>('pods', 'first', 'default')).spec.nodeName, 10_000, '"first" bound');
  await client.create<Pod>('pods', newPod('second'), 'default');
  const ev = await waitFor(async () => (await eventsFor(client, 'second')).find((e) => e.reason === 'FailedScheduling'), 10_000, 'FailedScheduling of "second"');
  assert.equal(ev.message, '0/1 nodes are available: 1 Too many pods.');

  // "first" finishes (the agent would write this): its slot is free, "second" gets it.
  const first = await client.get<Pod>('pods', 'first', 'default');
  await client.updateStatus<Pod>('pods', { ...first, status: { ...first.status, phase: 'Succeeded' } });
  await waitFor(async () => (await client.get<Pod>('pods', 'second', 'default')).spec.nodeName, 10_000, '"second" bound after "first" finished');

  await client.create<Pod>('pods', newPod('third'), 'default');
  await waitFor(async () => (await eventsFor(client, 'third')).find((e) => e.reason === 'FailedScheduling'), 10_000, 'FailedScheduling of "third"');
  await client.delete('pods', 'second', { namespace: 'default', gracePeriodSeconds: 0 });
  const node = await waitFor(async () => (await client.get<Pod>('pods', 'third', 'default')).spec.nodeName, 15_000, '"third" bound after "second" was deleted');
  assert.equal(node, 'tiny');
});
