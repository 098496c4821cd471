import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue, backoffDuration } from '../../scheduler/queue.js';
import { newPodInfo } from '../../scheduler/pod-info.js';
import { pod, podInfo } from './fixtures.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

function drain(q: SchedulingQueue): string[] {
  const out: string[] = [];
  for (let qp = q.tryPop(); qp; qp = q.tryPop()) out.push(qp.podInfo.pod.metadata.name!);
  return out;
}

test('active queue: higher priority first, then older first', () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now });
  const prio: Record<string, number> = { 'low-old': 1, 'low-new': 1, mid: 5, 'high-old': 10, 'high-new': 10 };
  // enqueue in a scrambled order, advancing the clock so that "old" was queued first
  for (const name of ['low-old', 'high-old', 'mid', 'high-new', 'low-new']) {
    q.add(podInfo({ name, priority: prio[name] }));
    c.advance(10);
  }
  assert.deepEqual(drain(q), ['high-old', 'high-new', 'mid', 'low-old', 'low-new']);
});

test('queue deduplicates by key and keeps the latest object', () => {
  const q = new SchedulingQueue({ now: clock().now });
  q.add(podInfo({ name: 'a', cpu: '1' }));
  q.add(podInfo({ name: 'a', cpu: '2' }));
  q.add(podInfo({ name: 'b' }));
  const first = q.tryPop()!;
  assert.equal(first.podInfo.key, 'default/a');
  assert.equal(first.podInfo.cpu, 2000);
  assert.equal(q.tryPop()!.podInfo.key, 'default/b');
  assert.equal(q.tryPop(), undefined);
});

test('backoff doubles from 1 s up to 10 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffDuration(n, 1000, 10_000)), [0, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
});

test('unschedulable pods wait for a cluster change, then go to backoff or active', () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now });
  q.add(podInfo({ name: 'a' }));
  const qp = q.tryPop()!;
  q.addUnschedulable(qp); // attempts = 1 → backoff 1 s
  assert.equal(q.placeOf('default/a'), 'unschedulable');
  c.advance(5_000);
  q.flush();
  assert.equal(q.placeOf('default/a'), 'unschedulable', 'no change, no retry (before the 60 s safety net)');
  q.moveAllToActiveOrBackoff();
  assert.equal(q.placeOf('default/a'), 'active', 'backoff long over: straight to active');

  const again = q.tryPop()!;
  q.addUnschedulable(again); // attempts = 2 → backoff 2 s from now
  c.advance(500);
  q.moveAllToActiveOrBackoff();
  assert.equal(q.placeOf('default/a'), 'backoff', 'still backing off');
  q.flush();
  assert.equal(q.tryPop(), undefined);
  c.advance(1_500);
  q.flush();
  assert.equal(q.placeOf('default/a'), 'active');
  assert.equal(q.tryPop()?.attempts, 2);
});

test('a pod that fails in a cycle during which the cluster changed goes to backoff, not to wait', () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now });
  q.add(podInfo({ name: 'a' }));
  const qp = q.tryPop()!;
  q.moveAllToActiveOrBackoff(); // e.g. a node was added while "a" was being scheduled
  q.addUnschedulable(qp);
  assert.equal(q.placeOf('default/a'), 'backoff');
  c.advance(1_000);
  q.flush();
  assert.equal(q.placeOf('default/a'), 'active');
});

test('bind failures requeue with backoff; done and delete remove the pod', () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now });
  q.add(podInfo({ name: 'a' }));
  q.add(podInfo({ name: 'b' }));
  const a = q.tryPop()!;
  q.requeueWithBackoff(a);
  assert.equal(q.placeOf('default/a'), 'backoff');
  const b = q.tryPop()!;
  q.done(b.podInfo.key);
  assert.equal(q.has('default/b'), false);
  q.delete('default/a');
  c.advance(2_000);
  q.flush();
  assert.equal(q.tryPop(), undefined, 'a deleted pod never comes out');
  assert.deepEqual(q.lengths(), { active: 0, backoff: 0, unschedulable: 0, inflight: 0 });
});

test('an unschedulable pod whose spec changes is retried; a status-only change is not', () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now });
  const p = pod({ name: 'a', nodeSelector: { zone: 'x' } });
  q.add(newPodInfo(p));
  q.addUnschedulable(q.tryPop()!);
  c.advance(5_000);
  q.update(newPodInfo({ ...p, status: { phase: 'Pending', message: 'still' } }));
  assert.equal(q.placeOf('default/a'), 'unschedulable');
  q.update(newPodInfo({ ...p, spec: { ...p.spec, nodeSelector: { zone: 'y' } } }));
  assert.equal(q.placeOf('default/a'), 'active');
});

test('pods left unschedulable for a minute are retried anyway', () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now, maxUnschedulableMs: 60_000 });
  q.add(podInfo({ name: 'a' }));
  q.addUnschedulable(q.tryPop()!);
  c.advance(59_000);
  q.flush();
  assert.equal(q.placeOf('default/a'), 'unschedulable');
  c.advance(1_000);
  q.flush();
  assert.equal(q.placeOf('default/a'), 'active');
});

test('pop waits for a pod and close releases waiters', async () => {
  const q = new SchedulingQueue();
  const waiting = q.pop();
  q.add(podInfo({ name: 'late' }));
  assert.equal((await waiting)?.podInfo.key, 'default/late');
  const never = q.pop();
  q.close();
  assert.equal(await never, undefined);
});
