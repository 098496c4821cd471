/** InFlight counts what runs through track until it settles, and not what runs aside inside it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InFlight } from '../../agent/in-flight.js';

test('track counts until settled, failures included; aside uncounts a wait inside a tracked operation', async () => {
  const f = new InFlight();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  let seenAside = -1;
  const op = f.track(async () => {
    await f.aside(async () => {
      seenAside = f.count;
      await gate;
    });
    assert.equal(f.count, 1, 'counted again after the aside part');
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(seenAside, 0, 'the aside part is not counted');
  release();
  await op;
  assert.equal(f.count, 0);
  await assert.rejects(f.track(async () => { throw new Error('boom'); }));
  assert.equal(f.count, 0, 'a failed operation is no longer counted');
});
