import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialProbeState, probeSettings, recordProbe } from '../../agent/probes/probe-state.js';

test('probeSettings: Kubernetes defaults, and liveness/startup successThreshold forced to 1', () => {
  assert.deepEqual(probeSettings({}, 'readiness'), { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(
    probeSettings({ initialDelaySeconds: 2, periodSeconds: 1, timeoutSeconds: 3, successThreshold: 2, failureThreshold: 1 }, 'readiness'),
    { initialDelayMs: 2000, periodMs: 1000, timeoutMs: 3000, successThreshold: 2, failureThreshold: 1 },
  );
  assert.equal(probeSettings({ successThreshold: 5 }, 'liveness').successThreshold, 1);
  assert.equal(probeSettings({ periodSeconds: 0 }, 'startup').periodMs, 10_000);
});

test('initialProbeState: liveness starts healthy, readiness and startup do not', () => {
  assert.equal(initialProbeState('liveness').result, true);
  assert.equal(initialProbeState('readiness').result, false);
  assert.equal(initialProbeState('startup').result, false);
});

test('recordProbe: results flip only at the thresholds', () => {
  const s = { successThreshold: 2, failureThreshold: 3 };
  const cases: { kind: 'liveness' | 'readiness'; outcomes: boolean[]; results: boolean[] }[] = [
    { kind: 'readiness', outcomes: [true, true, false, false, false, true], results: [false, true, true, true, false, false] },
    { kind: 'liveness', outcomes: [false, false, true, false, false, false], results: [true, true, true, true, true, false] },
    { kind: 'readiness', outcomes: [true, false, true, true], results: [false, false, false, true] },
  ];
  for (const c of cases) {
    let st = initialProbeState(c.kind);
    const got = c.outcomes.map((ok) => (st = recordProbe(st, ok, s)).result);
    assert.deepEqual(got, c.results, `${c.kind} ${c.outcomes.join(',')}`);
  }
});
