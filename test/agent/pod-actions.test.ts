import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodActions, shouldRestart, formatDelay } from '../../agent/pod-actions.js';
import { ctr, observed, pod, sandbox } from './fixtures.js';

const NOW = 100_000;

test('shouldRestart follows restartPolicy', () => {
  const cases: [string | undefined, number, boolean][] = [
    [undefined, 0, true], ['Always', 0, true], ['Always', 1, true],
    ['OnFailure', 0, false], ['OnFailure', 3, true], ['Never', 0, false], ['Never', 137, false],
  ];
  for (const [p, code, want] of cases) assert.equal(shouldRestart(p as never, code), want, `${p} ${code}`);
});

test('a new pod gets a sandbox and all its containers', () => {
  const a = computePodActions({ pod: pod(['a', 'b']), observed: observed([]), now: NOW });
  assert.deepEqual(a.createSandbox, { attempt: 0 });
  assert.deepEqual(a.startContainers.map((s) => [s.name, s.attempt]), [['a', 0], ['b', 0]]);
  assert.equal(a.terminal, false);
});

test('a running pod needs nothing', () => {
  const a = computePodActions({ pod: pod(['a']), observed: observed([sandbox('s1')], [ctr('c1', 'a')]), now: NOW });
  assert.equal(a.createSandbox, null);
  assert.deepEqual([a.startContainers, a.killContainers, a.stopSandboxes, a.removeContainers, a.startCreated], [[], [], [], [], []]);
});

test('exited containers: restart per policy with crash-loop backoff', () => {
  type Case = { name: string; policy?: 'Always' | 'OnFailure' | 'Never'; exit: number; delay: number; finished: number; started?: number; start?: [number, number]; loopUntil?: number; terminal?: boolean };
  const cases: Case[] = [
    { name: 'first crash restarts at once', exit: 1, delay: 0, finished: NOW - 1, start: [1, 10_000] },
    { name: 'second crash waits 10 s', exit: 1, delay: 10_000, finished: NOW - 1000, loopUntil: NOW + 9000 },
    { name: 'after the wait it restarts and doubles', exit: 1, delay: 10_000, finished: NOW - 10_000, start: [1, 20_000] },
    { name: 'Always restarts a success too', exit: 0, delay: 0, finished: NOW - 1, start: [1, 10_000] },
    { name: 'OnFailure leaves a success', policy: 'OnFailure', exit: 0, delay: 0, finished: NOW - 1, terminal: true },
    { name: 'OnFailure restarts a failure', policy: 'OnFailure', exit: 3, delay: 0, finished: NOW - 1, start: [1, 10_000] },
    { name: 'Never leaves a failure', policy: 'Never', exit: 3, delay: 0, finished: NOW - 1, terminal: true },
    { name: 'a long run resets the backoff', exit: 1, delay: 300_000, started: NOW - 700_000, finished: NOW - 1, start: [1, 10_000] },
  ];
  for (const c of cases) {
    const o = observed([sandbox('s1')], [ctr('c1', 'a', { state: 'exited', exitCode: c.exit, restartDelayMs: c.delay, startedAt: c.started ?? c.finished - 500, finishedAt: c.finished })]);
    const a = computePodActions({ pod: pod(['a'], c.policy), observed: o, now: NOW });
    assert.deepEqual(a.startContainers.map((s) => [s.attempt, s.restartDelayMs]), c.start ? [c.start] : [], c.name);
    assert.equal(a.crashLoop.a?.untilMs, c.loopUntil, c.name);
    if (c.loopUntil) {
      assert.equal(a.resyncAtMs, c.loopUntil, c.name);
      assert.match(a.crashLoop.a!.message, /^back-off 10s restarting failed container=a pod=web_default\(uid-1\)$/);
    }
    assert.equal(a.terminal, c.terminal ?? false, c.name);
    assert.deepEqual(a.stopSandboxes, c.terminal ? ['s1'] : [], c.name);
  }
});

test('a failed liveness probe kills the running container', () => {
  const a = computePodActions({ pod: pod(['a', 'b']), observed: observed([sandbox('s1')], [ctr('c1', 'a'), ctr('c2', 'b')]), livenessFailed: new Set(['c2']), now: NOW });
  assert.deepEqual(a.killContainers, [{ id: 'c2', name: 'b', reason: 'Unhealthy' }]);
  assert.deepEqual(a.startContainers, []);
});

test('a container created but never started is started, not recreated', () => {
  const a = computePodActions({ pod: pod(['a']), observed: observed([sandbox('s1')], [ctr('c1', 'a', { state: 'created', startedAt: 0 })]), now: NOW });
  assert.deepEqual(a.startCreated, ['c1']);
  assert.deepEqual(a.startContainers, []);
});

test('a dead sandbox is replaced and its containers restarted with a new attempt', () => {
  const o = observed([sandbox('s1', { ready: false })], [ctr('c1', 'a', { attempt: 2 })]);
  const a = computePodActions({ pod: pod(['a']), observed: o, now: NOW });
  assert.deepEqual(a.createSandbox, { attempt: 1 });
  assert.deepEqual(a.killContainers, [{ id: 'c1', name: 'a', reason: 'SandboxChanged' }]);
  assert.deepEqual(a.startContainers.map((s) => [s.name, s.attempt]), [['a', 3]]);
});

test('a finished pod with its sandbox stopped stays finished', () => {
  const o = observed([sandbox('s1', { ready: false })], [ctr('c1', 'a', { state: 'exited', exitCode: 0, finishedAt: NOW - 5 })]);
  const a = computePodActions({ pod: pod(['a'], 'Never'), observed: o, now: NOW });
  assert.equal(a.createSandbox, null);
  assert.equal(a.terminal, true);
  assert.deepEqual(a.startContainers, []);
});

test('garbage: instances past the newest two, containers not in the spec, superseded sandboxes', () => {
  const o = observed(
    [sandbox('s0', { attempt: 0 }), sandbox('s1', { attempt: 1 })],
    [
      ctr('c0', 'a', { attempt: 0, state: 'exited', finishedAt: 10 }),
      ctr('c1', 'a', { attempt: 1, state: 'exited', finishedAt: 20 }),
      ctr('c2', 'a', { attempt: 2, state: 'running' }),
      ctr('x', 'gone', { state: 'running' }),
    ],
  );
  const a = computePodActions({ pod: pod(['a']), observed: o, now: NOW });
  assert.deepEqual(a.removeContainers.sort(), ['c0', 'x']);
  assert.deepEqual(a.killContainers, [{ id: 'x', name: 'gone', reason: 'NotInSpec' }]);
  assert.deepEqual(a.stopSandboxes, ['s0']);
});

test('formatDelay prints like Go durations', () => {
  assert.deepEqual([0, 500, 10_000, 160_000, 300_000].map(formatDelay), ['0s', '500ms', '10s', '2m40s', '5m0s']);
});
