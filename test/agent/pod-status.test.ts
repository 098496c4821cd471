import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus } from '../../api/types.js';
import { computePodStatus, podPhase, rfc3339, stableJson, statusChanged } from '../../agent/pod-status.js';
import { ctr, observed, pod, sandbox } from './fixtures.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const T = (s: string) => Date.parse(`2026-01-01T00:${s}Z`);

function cs(name: string, state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}): ContainerStatus {
  return { name, state, lastState, ready: false, restartCount: 0, image: 'x' };
}

test('podPhase follows the kubelet rule', () => {
  const run = { running: {} };
  const ok = { terminated: { exitCode: 0 } };
  const bad = { terminated: { exitCode: 2 } };
  const wait = { waiting: { reason: 'ContainerCreating' } };
  const loop = { waiting: { reason: 'CrashLoopBackOff' } };
  const cases: [string, string | undefined, ContainerStatus[], string][] = [
    ['all waiting', undefined, [cs('a', wait)], 'Pending'],
    ['one waiting one running', undefined, [cs('a', run), cs('b', wait)], 'Pending'],
    ['all running', undefined, [cs('a', run), cs('b', run)], 'Running'],
    ['crash looping counts as stopped', 'Always', [cs('a', loop, bad)], 'Running'],
    ['Never, all succeeded', 'Never', [cs('a', ok), cs('b', ok)], 'Succeeded'],
    ['Never, one failed', 'Never', [cs('a', ok), cs('b', bad)], 'Failed'],
    ['OnFailure, succeeded', 'OnFailure', [cs('a', ok)], 'Succeeded'],
    ['OnFailure, failed (restarting)', 'OnFailure', [cs('a', bad)], 'Running'],
    ['Always, all exited', 'Always', [cs('a', ok)], 'Running'],
    ['running and one done', 'Never', [cs('a', run), cs('b', ok)], 'Running'],
    ['missing status', undefined, [cs('a', run)], 'Pending'],
  ];
  for (const [name, policy, statuses, want] of cases) {
    const names = name === 'missing status' ? ['a', 'b'] : statuses.map((s) => s.name);
    assert.equal(podPhase(pod(names, policy as never).spec, statuses), want, name);
  }
});

test('a new pod is Pending with ContainerCreating', () => {
  const st = computePodStatus({ pod: pod(['a']), observed: observed([]), hostIP: '192.0.2.2', now: NOW });
  assert.equal(st.phase, 'Pending');
  assert.deepEqual(st.containerStatuses![0]!.state, { waiting: { reason: 'ContainerCreating' } });
  assert.equal(st.hostIP, '192.0.2.2');
  assert.equal(st.podIP, undefined);
  assert.equal(st.startTime, rfc3339(NOW));
  assert.equal(st.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
});

test('a running pod: Running, podIP, running state, Ready', () => {
  const o = observed([sandbox('s1', { ip: '10.244.0.7' })], [ctr('c1', 'a', { startedAt: T('05:00.400'), attempt: 0 })]);
  const st = computePodStatus({ pod: pod(['a']), observed: o, hostIP: 'h', now: NOW });
  assert.equal(st.phase, 'Running');
  assert.equal(st.podIP, '10.244.0.7');
  assert.deepEqual(st.podIPs, [{ ip: '10.244.0.7' }]);
  const c = st.containerStatuses![0]!;
  assert.deepEqual(c.state, { running: { startedAt: '2026-01-01T00:05:00Z' } });
  assert.equal(c.ready, true);
  assert.equal(c.started, true);
  assert.equal(c.containerID, 'flotilla://c1');
  assert.equal(c.imageID, 'sha256:abc');
  for (const type of ['Ready', 'ContainersReady', 'Initialized', 'PodScheduled']) {
    assert.equal(st.conditions!.find((x) => x.type === type)!.status, 'True', type);
  }
});

test('exit codes and reasons become terminated states', () => {
  const cases: [number, string, string][] = [[0, '', 'Completed'], [3, '', 'Error'], [137, 'OOMKilled', 'OOMKilled']];
  for (const [code, reason, want] of cases) {
    const o = observed([sandbox('s1')], [ctr('c1', 'a', { state: 'exited', exitCode: code, reason, startedAt: T('01:00'), finishedAt: T('02:00') })]);
    const st = computePodStatus({ pod: pod(['a'], 'Never'), observed: o, hostIP: 'h', now: NOW });
    assert.deepEqual(st.containerStatuses![0]!.state.terminated, {
      exitCode: code, reason: want, startedAt: '2026-01-01T00:01:00Z', finishedAt: '2026-01-01T00:02:00Z', containerID: 'flotilla://c1',
    });
    assert.equal(st.phase, code === 0 ? 'Succeeded' : 'Failed');
    assert.equal(st.conditions!.find((x) => x.type === 'Ready')!.reason, 'PodCompleted');
  }
});

test('a crash loop shows CrashLoopBackOff with the last termination and the restart count', () => {
  const o = observed([sandbox('s1')], [
    ctr('c1', 'a', { attempt: 1, state: 'exited', exitCode: 1, finishedAt: T('01:00') }),
    ctr('c0', 'a', { attempt: 0, state: 'exited', exitCode: 1, finishedAt: T('00:30') }),
  ]);
  const st = computePodStatus({ pod: pod(['a']), observed: o, waiting: { a: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, hostIP: 'h', now: NOW });
  const c = st.containerStatuses![0]!;
  assert.deepEqual(c.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } });
  assert.equal(c.lastState!.terminated!.containerID, 'flotilla://c1');
  assert.equal(c.restartCount, 1);
  assert.equal(st.phase, 'Running');
});

test('readiness and startup probes gate ready and started', () => {
  const spec = { name: 'a', image: 'busybox', readinessProbe: { exec: { command: ['true'] } }, startupProbe: { exec: { command: ['true'] } } };
  const o = observed([sandbox('s1')], [ctr('c1', 'a')]);
  const cases: [boolean | undefined, boolean | undefined, boolean, boolean][] = [
    [undefined, undefined, false, false],
    [true, undefined, false, false],
    [true, false, false, false],
    [false, true, true, false],
    [true, true, true, true],
  ];
  for (const [ready, started, wantStarted, wantReady] of cases) {
    const readiness = new Map(ready === undefined ? [] : [['c1', ready]]);
    const startup = new Map(started === undefined ? [] : [['c1', started]]);
    const st = computePodStatus({ pod: pod([spec]), observed: o, readiness, startup, hostIP: 'h', now: NOW });
    const c = st.containerStatuses![0]!;
    assert.deepEqual([c.started, c.ready], [wantStarted, wantReady], `ready=${ready} started=${started}`);
    assert.equal(st.conditions!.find((x) => x.type === 'Ready')!.status, wantReady ? 'True' : 'False');
  }
});

test('recomputing from the same facts changes nothing; transition times are kept', () => {
  const p = pod(['a']);
  const o = observed([sandbox('s1')], [ctr('c1', 'a', { startedAt: T('05:00') })]);
  const first = computePodStatus({ pod: p, observed: o, hostIP: 'h', now: NOW });
  const again = computePodStatus({ pod: { ...p, status: first }, observed: o, hostIP: 'h', now: NOW + 60_000 });
  assert.equal(statusChanged(first, again), false);
  const exited = observed([sandbox('s1')], [ctr('c1', 'a', { state: 'exited', exitCode: 1, startedAt: T('05:00'), finishedAt: T('06:00') })]);
  const later = computePodStatus({ pod: { ...p, status: first }, observed: exited, hostIP: 'h', now: NOW + 60_000 });
  assert.equal(statusChanged(first, later), true);
  assert.equal(later.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, rfc3339(NOW + 60_000));
  assert.equal(later.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, rfc3339(NOW));
  assert.equal(later.startTime, first.startTime);
});

test('the pod IP stays when the sandbox is stopped; fields of others are kept', () => {
  const p = { ...pod(['a'], 'Never'), status: { podIP: '10.244.0.9', nominatedNodeName: 'n1' } as never };
  const o = observed([sandbox('s1', { ready: false, ip: '' })], [ctr('c1', 'a', { state: 'exited', finishedAt: T('06:00') })]);
  const st = computePodStatus({ pod: p, observed: o, hostIP: 'h', now: NOW }) as Record<string, unknown>;
  assert.equal(st.podIP, '10.244.0.9');
  assert.equal(st.nominatedNodeName, 'n1');
});

test('stableJson gives the same text whatever the key order, leaving out undefined fields', () => {
  const a = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }], podIP: undefined, n: 1 };
  const b = { n: 1, conditions: [{ lastProbeTime: null, status: 'True', type: 'Ready' }], phase: 'Running' };
  assert.equal(stableJson(a), stableJson(b));
  assert.equal(stableJson(a), '{"conditions":[{"lastProbeTime":null,"status":"True","type":"Ready"}],"n":1,"phase":"Running"}');
  assert.equal(stableJson([1, 'x', [true], {}]), '[1,"x",[true],{}]');
  assert.notEqual(stableJson({ a: [1, 2] }), stableJson({ a: [2, 1] }));
});
