/**
 * EventRecorder's queueing logic, with a recording client: events never block the caller, writers
 * yield to bindings, a full queue drops (and counts) instead of growing, and repeated
 * FailedScheduling of one pod coalesces into one write that updates the existing event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../api/types.js';
import { EventRecorder, type EventClient, scheduledMessage } from '../../scheduler/events.js';
import { pod } from './fixtures.js';

/** Recorder is an EventClient whose calls wait until the test releases them. */
class Recorder implements EventClient {
  readonly calls: { verb: string; ev: Event }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private releases: (() => void)[] = [];
  private call<T extends Event>(verb: string, ev: T): Promise<T> {
    this.calls.push({ verb, ev });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) => this.releases.push(() => {
      this.inFlight--;
      resolve({ ...ev, metadata: { ...ev.metadata, resourceVersion: String(this.calls.length) } });
    }));
  }
  create<T extends Event>(_res: 'events', obj: T): Promise<T> {
    return this.call('create', obj);
  }
  update<T extends Event>(_res: 'events', obj: T): Promise<T> {
    return this.call('update', obj);
  }
  get<T extends Event>(): Promise<T> {
    throw new Error('not used');
  }
  releaseAll(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

test('events are written in the background, one writer while bindings are busy', async () => {
  const client = new Recorder();
  let busy = true;
  const rec = new EventRecorder(client, { concurrency: 4, busy: () => busy });
  for (let i = 0; i < 6; i++) rec.scheduled(`default/p${i}`, pod({ name: `p${i}` }), 'node-1');
  await tick();
  assert.equal(client.inFlight, 1, 'one writer while bindings are in flight');
  busy = false;
  client.releaseAll();
  await tick();
  assert.equal(client.inFlight, 4, 'all writers once bindings are done');
  while (client.inFlight > 0 || rec.queued > 0) {
    client.releaseAll();
    await tick();
  }
  await rec.idle();
  assert.equal(client.calls.length, 6);
  assert.equal(client.calls[0]!.ev.message, scheduledMessage(pod({ name: 'p0' }), 'node-1'));
  assert.equal(client.calls[0]!.ev.message, 'Successfully assigned default/p0 to node-1');
  assert.equal(client.calls[0]!.ev.source?.component, 'flotilla-scheduler');
});

test('repeated FailedScheduling coalesces while queued and updates the event afterwards', async () => {
  const client = new Recorder();
  const rec = new EventRecorder(client, { concurrency: 1 });
  const p = pod({ name: 'stuck' });
  rec.scheduled('default/other', pod({ name: 'other' }), 'n'); // occupies the single writer
  rec.failedScheduling('default/stuck', p, 'first');
  rec.failedScheduling('default/stuck', p, 'second');
  rec.failedScheduling('default/stuck', p, 'third');
  while (client.inFlight > 0 || rec.queued > 0) {
    client.releaseAll();
    await tick();
  }
  const failed = client.calls.filter((c) => c.ev.reason === 'FailedScheduling');
  assert.deepEqual(failed.map((c) => [c.verb, c.ev.message, c.ev.count]), [['create', 'third', 1]]);
  rec.failedScheduling('default/stuck', p, 'fourth');
  while (client.inFlight > 0 || rec.queued > 0) {
    client.releaseAll();
    await tick();
  }
  const again = client.calls.filter((c) => c.ev.reason === 'FailedScheduling');
  assert.deepEqual(again.map((c) => [c.verb, c.ev.message, c.ev.count]), [['create', 'third', 1], ['update', 'fourth', 2]]);
  assert.equal(again[1]!.ev.metadata.name, again[0]!.ev.metadata.name, 'the same event object is updated');
});

test('a full queue drops events and counts them', async () => {
  const client = new Recorder();
  const rec = new EventRecorder(client, { concurrency: 1, maxQueued: 2 });
  for (let i = 0; i < 5; i++) rec.scheduled(`default/p${i}`, pod({ name: `p${i}` }), 'n');
  assert.equal(rec.dropped, 2, 'one in flight, two queued, two dropped');
  while (client.inFlight > 0 || rec.queued > 0) {
    client.releaseAll();
    await tick();
  }
  assert.equal(client.calls.length, 3);
});

test('close drops the queue and writes nothing more', async () => {
  const client = new Recorder();
  const rec = new EventRecorder(client, { concurrency: 1 });
  for (let i = 0; i < 3; i++) rec.scheduled(`default/p${i}`, pod({ name: `p${i}` }), 'n');
  rec.close();
  rec.scheduled('default/late', pod({ name: 'late' }), 'n');
  client.releaseAll();
  await rec.idle();
  await tick();
  assert.equal(client.calls.length, 1, 'only the write already in flight');
  assert.equal(rec.dropped, 2);
});
