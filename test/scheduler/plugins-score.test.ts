import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, defaultNormalize } from '../../scheduler/framework/types.js';
import { NodeResourcesLeastAllocated, leastRequested } from '../../scheduler/plugins/least-allocated.js';
import { NodeResourcesBalancedAllocation } from '../../scheduler/plugins/balanced-allocation.js';
import { SelectorSpread } from '../../scheduler/plugins/selector-spread.js';
import { NodeAffinity } from '../../scheduler/plugins/node-affinity.js';
import { TaintToleration } from '../../scheduler/plugins/taint-toleration.js';
import { Snapshot } from '../../scheduler/snapshot.js';
import { nodeInfo, podInfo } from './fixtures.js';

const state = new CycleState();

function normalized(plugin: { normalize?(s: CycleState, p: ReturnType<typeof podInfo>, b: Float64Array, n: number): void }, pod: ReturnType<typeof podInfo>, raw: number[]): number[] {
  const buf = Float64Array.from(raw);
  plugin.normalize?.(state, pod, buf, buf.length);
  return [...buf];
}

test('leastRequested: the free share after placing, 0 when over', () => {
  const cases: [number, number, number][] = [
    [0, 1000, 100],
    [250, 1000, 75],
    [1000, 1000, 0],
    [1500, 1000, 0],
    [10, 0, 0],
    [333, 1000, 66],
  ];
  for (const [req, cap, want] of cases) assert.equal(leastRequested(req, cap), want, `${req}/${cap}`);
});

test('NodeResourcesLeastAllocated: emptier nodes score higher; unset requests count as 100m/200Mi', () => {
  const plugin = new NodeResourcesLeastAllocated();
  const pod = podInfo({ cpu: '1', memory: '1Gi' });
  const empty = nodeInfo('a', { cpu: '4', memory: '4Gi' });
  const half = nodeInfo('b', { cpu: '4', memory: '4Gi' }, [podInfo({ cpu: '1', memory: '1Gi' })]);
  assert.equal(plugin.score(state, pod, empty), 75); // (3/4 cpu free + 3/4 memory free) / 2
  assert.equal(plugin.score(state, pod, half), 50);
  const noRequests = podInfo({});
  // 100m of 1000m → 90; 200Mi of 1000Mi → 80; mean 85
  assert.equal(plugin.score(state, noRequests, nodeInfo('c', { cpu: '1', memory: '1000Mi' })), 85);
});

test('NodeResourcesBalancedAllocation: equal cpu and memory shares score 100', () => {
  const plugin = new NodeResourcesBalancedAllocation();
  const cases = [
    { pod: { cpu: '1', memory: '1Gi' }, node: { cpu: '4', memory: '4Gi' }, want: 100 },
    { pod: { cpu: '2', memory: '1Gi' }, node: { cpu: '4', memory: '4Gi' }, want: 87 }, // |0.5-0.25|/2 = 0.125
    { pod: { cpu: '4', memory: '0' }, node: { cpu: '4', memory: '4Gi' }, want: 50 }, // an explicit 0 stays 0: |1-0|/2
    { pod: { cpu: '4' }, node: { cpu: '4', memory: '4000Mi' }, want: 52 }, // unset memory counts 200Mi: 1-|1-0.05|/2
    { pod: { cpu: '8', memory: '1Gi' }, node: { cpu: '4', memory: '4Gi' }, want: 62 }, // cpu share capped at 1
  ];
  for (const c of cases) assert.equal(plugin.score(state, podInfo(c.pod), nodeInfo('n', c.node)), c.want, JSON.stringify(c));
});

test('SelectorSpread: fewer pods of the same owner is better; ownerless pods skip', () => {
  const plugin = new SelectorSpread();
  const pod = podInfo({ owner: 'web' });
  const nodes = [
    nodeInfo('a', {}, [podInfo({ owner: 'web' }), podInfo({ owner: 'web' })]),
    nodeInfo('b', {}, [podInfo({ owner: 'web' }), podInfo({ owner: 'db' })]),
    nodeInfo('c', {}, [podInfo({ owner: 'db' })]),
  ];
  const snap = Snapshot.from(nodes);
  assert.equal(plugin.preScore(state, podInfo({}), snap.cols, snap.slots(), 3).code, 'Skip');
  assert.equal(plugin.preScore(state, pod, snap.cols, snap.slots(), 3).code, 'Success');
  const raw = nodes.map((n) => plugin.score(state, pod, n));
  assert.deepEqual(raw, [2, 1, 0]);
  assert.deepEqual(normalized(plugin, pod, raw), [0, 50, 100]);
  assert.deepEqual(normalized(plugin, pod, [0, 0]), [100, 100], 'no pods of the owner anywhere: all equal');
});

test('NodeAffinity score: sum of matching preference weights, normalised by the best', () => {
  const plugin = new NodeAffinity();
  const pod = podInfo({
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 80, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
        { weight: 20, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
      ],
    },
  });
  const nodes = [
    nodeInfo('both', { labels: { disk: 'ssd', zone: 'a' } }),
    nodeInfo('ssd', { labels: { disk: 'ssd', zone: 'b' } }),
    nodeInfo('zone', { labels: { zone: 'a' } }),
    nodeInfo('none', {}),
  ];
  assert.equal(plugin.preScore(state, podInfo({})).code, 'Skip');
  assert.equal(plugin.preScore(state, pod).code, 'Success');
  const raw = nodes.map((n) => plugin.score(state, pod, n));
  assert.deepEqual(raw, [100, 80, 20, 0]);
  assert.deepEqual(normalized(plugin, pod, [50, 40, 10, 0]), [100, 80, 20, 0]);
});

test('TaintToleration score: untolerated PreferNoSchedule taints lower the score', () => {
  const plugin = new TaintToleration();
  const pod = podInfo({ tolerations: [{ key: 'tolerated', operator: 'Exists', effect: 'PreferNoSchedule' }] });
  const nodes = [
    nodeInfo('clean'),
    nodeInfo('one', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }),
    nodeInfo('two', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }, { key: 'old', effect: 'PreferNoSchedule' }] }),
    nodeInfo('tolerated', { taints: [{ key: 'tolerated', effect: 'PreferNoSchedule' }] }),
  ];
  const raw = nodes.map((n) => plugin.score(state, pod, n));
  assert.deepEqual(raw, [0, 1, 2, 0]);
  assert.deepEqual(normalized(plugin, pod, raw), [100, 50, 0, 100]);
});

test('defaultNormalize scales by the maximum, reversed or not', () => {
  const cases: [number[], boolean, number[]][] = [
    [[0, 5, 10], false, [0, 50, 100]],
    [[0, 5, 10], true, [100, 50, 0]],
    [[0, 0], false, [0, 0]],
    [[0, 0], true, [100, 100]],
    [[1, 3], false, [33, 100]],
  ];
  for (const [input, reverse, want] of cases) {
    const buf = Float64Array.from(input);
    defaultNormalize(buf, buf.length, reverse);
    assert.deepEqual([...buf], want, `${input} reverse=${reverse}`);
  }
});
