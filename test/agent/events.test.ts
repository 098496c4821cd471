/**
 * The agent's events against a real API server: while the agent is busy (pods starting, statuses
 * being written) they wait, and show up once it is idle, after maxDelayMs at the latest, or at flush.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../api/client.js';
import type { Event } from '../../api/types.js';
import { EventRecorder } from '../../agent/events.js';
import { startControlPlane } from '../helpers/control-plane.js';
import { pod } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** reasonsFor lists the reasons of the events about one pod, as `flotctl describe` would show them. */
async function reasonsFor(client: ApiClient, podName: string): Promise<string[]> {
  const evs = await client.list<Event>('events', { namespace: 'default' });
  return evs.items.filter((e) => e.involvedObject.name === podName).map((e) => e.reason ?? '').sort();
}

test('events wait while the agent is busy, and arrive once it is idle, after maxDelayMs at the latest, or at flush', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  t.after(() => client.close());
  let busy = true;
  const rec = new EventRecorder(client, { host: 'node-1', busy: () => busy, maxDelayMs: 60_000 });
  t.after(() => rec.close());

  const a = { ...pod(['c']), metadata: { name: 'a', namespace: 'default', uid: 'uid-a' } };
  rec.record(a, 'Normal', 'Created', 'Created container c', 'c');
  rec.record(a, 'Normal', 'Started', 'Started container c', 'c');
  await sleep(300);
  assert.deepEqual(await reasonsFor(client, 'a'), [], 'nothing is sent while the agent is busy');
  busy = false;
  await sleep(300);
  assert.deepEqual(await reasonsFor(client, 'a'), ['Created', 'Started'], 'sent once the agent is idle');

  // Busy for good: maxDelayMs bounds the wait.
  busy = true;
  const late = new EventRecorder(client, { host: 'node-1', busy: () => busy, maxDelayMs: 200 });
  t.after(() => late.close());
  const b = { ...pod(['c']), metadata: { name: 'b', namespace: 'default', uid: 'uid-b' } };
  late.record(b, 'Normal', 'Started', 'Started container c', 'c');
  await sleep(600);
  assert.deepEqual(await reasonsFor(client, 'b'), ['Started'], 'sent after maxDelayMs although still busy');

  // flush (agent stop) sends what waits at once.
  const c = { ...pod(['c']), metadata: { name: 'c', namespace: 'default', uid: 'uid-c' } };
  rec.record(c, 'Warning', 'BackOff', 'Back-off restarting failed container c in pod c', 'c');
  await rec.flush(2000);
  assert.deepEqual(await reasonsFor(client, 'c'), ['BackOff']);
});
