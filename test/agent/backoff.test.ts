import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartTiming, DEFAULT_BACKOFF, backoffPolicyFromEnv } from '../../agent/container-restart/backoff.js';

test('restartTiming: immediate first restart, then 10 s doubling to a 5 min cap', () => {
  let carried = 0;
  const waits: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t = restartTiming(carried, 1000);
    waits.push(t.waitMs);
    carried = t.nextDelayMs;
  }
  assert.deepEqual(waits, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test('restartTiming: an attempt that ran 10 min resets the doubling', () => {
  const cases: [number, number, number, number][] = [
    // carried, ranFor, wait, next
    [160_000, 600_000, 0, 10_000],
    [160_000, 599_999, 160_000, 300_000],
    [300_000, 3_600_000, 0, 10_000],
    [0, 0, 0, 10_000],
  ];
  for (const [carried, ran, wait, next] of cases) {
    assert.deepEqual(restartTiming(carried, ran, DEFAULT_BACKOFF), { waitMs: wait, nextDelayMs: next }, `carried ${carried} ran ${ran}`);
  }
});

test('backoffPolicyFromEnv: base from FLOTILLA_AGENT_BACKOFF_BASE_MS, bad values refused', () => {
  assert.deepEqual(backoffPolicyFromEnv({}), DEFAULT_BACKOFF);
  assert.equal(backoffPolicyFromEnv({ FLOTILLA_AGENT_BACKOFF_BASE_MS: '500' }).baseMs, 500);
  assert.throws(() => backoffPolicyFromEnv({ FLOTILLA_AGENT_BACKOFF_BASE_MS: 'soon' }), /FLOTILLA_AGENT_BACKOFF_BASE_MS/);
});
