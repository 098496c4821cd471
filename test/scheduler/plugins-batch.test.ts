/**
 * The batch paths (filterMany, scoreMany over the snapshot's columns) must decide exactly as the
 * per-node paths (filter, score) do, for every plugin, over a mixed set of nodes and pods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from '../../scheduler/framework/types.js';
import { NodeUnschedulable } from '../../scheduler/plugins/node-unschedulable.js';
import { TaintToleration } from '../../scheduler/plugins/taint-toleration.js';
import { NodeAffinity } from '../../scheduler/plugins/node-affinity.js';
import { NodePorts } from '../../scheduler/plugins/node-ports.js';
import { NodeResourcesFit } from '../../scheduler/plugins/node-resources-fit.js';
import { NodeResourcesLeastAllocated } from '../../scheduler/plugins/least-allocated.js';
import { NodeResourcesBalancedAllocation } from '../../scheduler/plugins/balanced-allocation.js';
import { SelectorSpread } from '../../scheduler/plugins/selector-spread.js';
import { Snapshot } from '../../scheduler/snapshot.js';
import { type NodeInfo, OwnerIndex, readyNode } from '../../scheduler/node-info.js';
import { FLAG_HARD_TAINTS, FLAG_PORTS_USED, FLAG_SCHEDULABLE, FLAG_SOFT_TAINTS } from '../../scheduler/node-columns.js';
import type { PodInfo } from '../../scheduler/pod-info.js';
import { nodeInfo, podInfo, seeded } from './fixtures.js';

function cluster(): NodeInfo[] {
  return [
    nodeInfo('plain', { cpu: '4', memory: '8Gi', labels: { zone: 'a' } }, [podInfo({ cpu: '1', memory: '1Gi', owner: 'web' })]),
    nodeInfo('full-cpu', { cpu: '1', memory: '8Gi', labels: { zone: 'b' } }, [podInfo({ cpu: '900m', owner: 'web' }), podInfo({ owner: 'web' })]),
    nodeInfo('full-mem', { cpu: '8', memory: '1Gi', labels: { zone: 'a', disk: 'ssd' } }, [podInfo({ memory: '900Mi', hostPorts: [80] })]),
    nodeInfo('slots', { pods: '1', labels: { zone: 'c' } }, [podInfo({ owner: 'db' })]),
    nodeInfo('cordoned', { unschedulable: true, labels: { zone: 'a' } }),
    nodeInfo('not-ready', { ready: false }),
    nodeInfo('tainted', { taints: [{ key: 'gpu', effect: 'NoSchedule' }, { key: 'spot', effect: 'PreferNoSchedule' }], labels: { zone: 'a' } }),
    nodeInfo('soft', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }], labels: { zone: 'b', disk: 'ssd' } }, [podInfo({ owner: 'web' })]),
    nodeInfo('big', { cpu: '64', memory: '256Gi', labels: { zone: 'c', disk: 'ssd' } }),
    nodeInfo('no-capacity', { cpu: '0', memory: '0', labels: { zone: 'c' } }),
    nodeInfo('odd', { cpu: '3', memory: '7Gi', labels: { zone: 'b' } }, [podInfo({ cpu: '2900m', memory: '5Gi' })]),
  ];
}

const pods: PodInfo[] = [
  podInfo({}),
  podInfo({ cpu: '200m', memory: '200Mi', owner: 'web' }),
  podInfo({ cpu: '2', memory: '2Gi' }),
  podInfo({ hostPorts: [80, 443] }),
  podInfo({ nodeSelector: { zone: 'a' } }),
  podInfo({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } } }),
  podInfo({ tolerations: [{ operator: 'Exists' }], owner: 'db' }),
  podInfo({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } }] } }),
];

test('filterMany keeps exactly the nodes filter accepts and rejects the rest with the same status', () => {
  const filters: (FilterPlugin & Partial<PreFilterPlugin>)[] = [new NodeUnschedulable(), new TaintToleration(), new NodeAffinity(), new NodePorts(), new NodeResourcesFit()];
  const nodes = cluster();
  const snap = Snapshot.from(nodes);
  for (const plugin of filters) {
    for (const [pi, pod] of pods.entries()) {
      for (let round = 0; round < 2; round++) { // twice: the second round hits NodeAffinity's memo
        const state = new CycleState();
        plugin.preFilter?.(state, pod);
        const want = nodes.map((n) => [n.name, plugin.filter(state, pod, n)] as const);
        const slots = Int32Array.from(snap.slots());
        const rejected = new Map<string, Status>();
        const k = plugin.filterMany(state, pod, snap.cols, slots, slots.length, (s, st) => rejected.set(snap.cols.info(s).name, st));
        const kept = [...slots.subarray(0, k)].map((s) => snap.cols.info(s).name);
        const what = `${plugin.name} pod#${pi} round ${round}`;
        assert.deepEqual(kept, want.filter(([, s]) => s.code === 'Success').map(([n]) => n), what);
        for (const [name, s] of want) {
          if (s.code !== 'Success') assert.deepEqual(rejected.get(name), s, `${what} ${name}`);
        }
      }
    }
  }
});

test('scoreMany gives what score gives, for every plugin and pod', () => {
  const scorers: (ScorePlugin & Partial<PreScorePlugin>)[] = [
    new NodeResourcesLeastAllocated(), new NodeResourcesBalancedAllocation(), new SelectorSpread(), new NodeAffinity(), new TaintToleration(),
  ];
  const nodes = cluster();
  const snap = Snapshot.from(nodes);
  const slots = snap.slots();
  for (const plugin of scorers) {
    for (const [pi, pod] of pods.entries()) {
      const state = new CycleState();
      const pre = plugin.preScore?.(state, pod, snap.cols, slots, slots.length);
      if (pre?.code === 'Skip') continue;
      const out = new Float64Array(slots.length);
      plugin.scoreMany(state, pod, snap.cols, slots, slots.length, out);
      const raw = nodes.map((n) => plugin.score(state, pod, n));
      assert.deepEqual([...out], raw, `${plugin.name} pod#${pi}`);
      if (plugin.normalize) {
        // The batch path may normalise from what scoreMany noted; it must equal normalising the raw scores.
        plugin.normalize(state, pod, out, out.length);
        const want = Float64Array.from(raw);
        plugin.normalize(new CycleState(), pod, want, want.length);
        assert.deepEqual([...out], [...want], `${plugin.name} pod#${pi} normalised`);
      }
    }
  }
});

test('columns follow the NodeInfo as pods come and go', () => {
  const nodes = cluster();
  const snap = Snapshot.from(nodes);
  const big = nodes.find((n) => n.name === 'big')!;
  const p = podInfo({ cpu: '3', memory: '1Gi', owner: 'web', hostPorts: [8080] });
  big.addPod(p);
  assert.equal(snap.cols.reqCpu[big.slot], 3000);
  assert.equal(snap.cols.podCount[big.slot], 1);
  assert.equal(snap.owners.nodesOf('rs-web')?.get(big), 1);
  big.removePod(p.key);
  assert.equal(snap.cols.reqCpu[big.slot], 0);
  assert.equal(snap.owners.nodesOf('rs-web')?.get(big), undefined);
  snap.delete('big');
  assert.equal(big.slot, -1);
  assert.equal(snap.nodes().length, nodes.length - 1);
});

test('the owner index keeps each node with its count when a node in the middle leaves', () => {
  const nodes = ['a', 'b', 'c', 'd'].map((n) => nodeInfo(n));
  const index = new OwnerIndex();
  const [a, b, c, d] = nodes as [NodeInfo, NodeInfo, NodeInfo, NodeInfo];
  index.add('rs', a, 1);
  index.add('rs', b, 2);
  index.add('rs', c, 3);
  index.add('rs', b, -2); // b leaves: c takes its place
  index.add('rs', d, 4);
  index.add('rs', a, 1);
  const m = index.nodesOf('rs')!;
  const seen = new Map(m.nodes.map((n, i) => [n.name, m.counts[i]]));
  assert.deepEqual([...seen].sort(), [['a', 2], ['c', 3], ['d', 4]]);
  assert.equal(m.size, 3);
  assert.equal(m.get(b), undefined);
  assert.equal(m.get(c), 3);
  index.add('rs', d, -1);
  assert.equal(m.get(d), 3);
  index.add('other', a, -1); // a negative count for an unknown owner changes nothing
  assert.equal(index.nodesOf('other'), undefined);
  for (const n of [a, c, d]) index.add('rs', n, -m.get(n)!);
  assert.equal(index.nodesOf('rs'), undefined);
});

test('the columns know whether any node has a flag, as nodes change and leave', () => {
  const plain = nodeInfo('plain');
  const other = nodeInfo('other');
  const snap = Snapshot.from([plain, other]);
  const { cols } = snap;
  assert.ok(cols.allWith(FLAG_SCHEDULABLE) && cols.noneWith(FLAG_HARD_TAINTS) && cols.noneWith(FLAG_SOFT_TAINTS) && cols.noneWith(FLAG_PORTS_USED));
  plain.setNode(readyNode('plain', { cpu: '4', memory: '8Gi' }, { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] }));
  assert.ok(!cols.allWith(FLAG_SCHEDULABLE) && !cols.noneWith(FLAG_HARD_TAINTS));
  other.setNode(readyNode('other', { cpu: '4', memory: '8Gi' }, { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }));
  assert.ok(!cols.noneWith(FLAG_SOFT_TAINTS) && !cols.noneWith(FLAG_HARD_TAINTS));
  const p = podInfo({ hostPorts: [80] });
  other.addPod(p);
  assert.ok(!cols.noneWith(FLAG_PORTS_USED));
  other.removePod(p.key);
  assert.ok(cols.noneWith(FLAG_PORTS_USED));
  snap.delete('plain'); // the cordoned, tainted node leaves
  assert.ok(cols.allWith(FLAG_SCHEDULABLE) && cols.noneWith(FLAG_HARD_TAINTS) && !cols.noneWith(FLAG_SOFT_TAINTS));
  snap.set(nodeInfo('plain', { ready: false })); // back, not ready, in the freed slot
  assert.ok(!cols.allWith(FLAG_SCHEDULABLE) && cols.noneWith(FLAG_HARD_TAINTS));
  // The filters skip their pass only when no node can fail them; here the not-ready node still fails.
  const slots = Int32Array.from(snap.slots());
  const kept = new NodeUnschedulable().filterMany(new CycleState(), podInfo(), cols, slots, slots.length, () => {});
  assert.deepEqual([...slots.subarray(0, kept)].map((s) => cols.info(s).name), ['other']);
});

test('addWeighted adds what scoreMany, normalize and the weight give, with or without PreScore', () => {
  const scorers: (ScorePlugin & Partial<PreScorePlugin>)[] = [new NodeResourcesLeastAllocated(), new NodeResourcesBalancedAllocation(), new SelectorSpread()];
  const nodes = cluster();
  const snap = Snapshot.from(nodes);
  const slots = snap.slots();
  for (const plugin of scorers) {
    assert.ok(plugin.addWeighted, plugin.name);
    for (const [pi, pod] of pods.entries()) {
      for (const pre of [true, false]) {
        for (const weight of [1, 3, 0.7]) {
          const state = new CycleState();
          if (pre && plugin.preScore?.(state, pod, snap.cols, slots, slots.length).code === 'Skip') continue;
          const start = Float64Array.from(slots, (_, i) => (i * 37) % 11);
          const want = new Float64Array(slots.length);
          plugin.scoreMany(state, pod, snap.cols, slots, slots.length, want);
          plugin.normalize?.(state, pod, want, want.length);
          const total = Float64Array.from(start);
          plugin.addWeighted!(state, pod, snap.cols, slots, slots.length, weight, total);
          assert.deepEqual([...total], [...start].map((t, i) => t + want[i]! * weight), `${plugin.name} pod#${pi} preScore ${pre} weight ${weight}`);
        }
      }
    }
  }
});

test('the resource scores of the batch path equal the per-node formulas over random capacities and requests', () => {
  const rnd = seeded(11);
  const pick = (max: number) => Math.floor(rnd() * max);
  const nodes: NodeInfo[] = [];
  for (let i = 0; i < 400; i++) {
    const cpu = [0, 1, 3, 7, 250, 1000, 32_000][pick(7)]! + pick(5000);
    const memory = [0, 1, 999, 2 ** 30, 3 * 10 ** 9][pick(5)]! + pick(2 ** 31);
    const held = Array.from({ length: pick(4) }, () => podInfo({ cpu: `${pick(3000)}m`, memory: `${pick(2 ** 31)}` }));
    nodes.push(nodeInfo(`n${i}`, { cpu: `${cpu}m`, memory: `${memory}` }, held));
  }
  const snap = Snapshot.from(nodes);
  const slots = snap.slots();
  for (let k = 0; k < 40; k++) {
    const pod = podInfo(k % 5 === 0 ? {} : { cpu: `${pick(4000)}m`, memory: `${pick(2 ** 32)}` });
    for (const plugin of [new NodeResourcesLeastAllocated(), new NodeResourcesBalancedAllocation()]) {
      const state = new CycleState();
      const total = new Float64Array(slots.length);
      plugin.addWeighted(state, pod, snap.cols, slots, slots.length, 1, total);
      assert.deepEqual([...total], nodes.map((n) => plugin.score(state, pod, n)), `${plugin.name} pod#${k}`);
    }
  }
});

test('NodeAffinity memo follows label changes and nodes coming, and only real label changes', () => {
  const a = nodeInfo('a', { labels: { disk: 'ssd' } });
  const b = nodeInfo('b', { labels: { disk: 'ssd' } });
  const snap = Snapshot.from([a, b]);
  const plugin = new NodeAffinity();
  const pod = podInfo({ nodeSelector: { disk: 'ssd' } });
  const kept = () => {
    const state = new CycleState();
    assert.equal(plugin.preFilter(state, pod).code, 'Success');
    const slots = Int32Array.from(snap.slots());
    const rejected: string[] = [];
    const k = plugin.filterMany(state, pod, snap.cols, slots, slots.length, (s) => rejected.push(snap.cols.info(s).name));
    return { kept: [...slots.subarray(0, k)].map((s) => snap.cols.info(s).name).sort(), rejected: rejected.sort() };
  };
  assert.deepEqual(kept(), { kept: ['a', 'b'], rejected: [] });
  assert.deepEqual(kept(), { kept: ['a', 'b'], rejected: [] }, 'every node matches: the pass is skipped');
  const epoch = snap.cols.labelsEpoch;
  b.setNode(readyNode('b', { cpu: '4', memory: '8Gi' }, { labels: { disk: 'ssd' } })); // a heartbeat: new object, same labels
  assert.equal(snap.cols.labelsEpoch, epoch);
  b.setNode(readyNode('b', { cpu: '4', memory: '8Gi' }, { labels: { disk: 'hdd' } }));
  assert.deepEqual(kept(), { kept: ['a'], rejected: ['b'] });
  snap.set(nodeInfo('c', { labels: { disk: 'hdd' } }));
  assert.deepEqual(kept(), { kept: ['a'], rejected: ['b', 'c'] });
  assert.deepEqual(kept(), { kept: ['a'], rejected: ['b', 'c'] }, 'from the memo');
  b.setNode(readyNode('b', { cpu: '4', memory: '8Gi' }, { labels: { disk: 'ssd', extra: 'x' } }));
  snap.delete('c');
  assert.deepEqual(kept(), { kept: ['a', 'b'], rejected: [] });
  snap.set(nodeInfo('d', { labels: {} }));
  assert.deepEqual(kept(), { kept: ['a', 'b'], rejected: ['d'] }, 'a new node is checked although every old one matched');
});
