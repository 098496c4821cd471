import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Framework, numFeasibleNodesToFind } from '../../scheduler/framework/framework.js';
import type { NodeInfo } from '../../scheduler/node-info.js';
import { nodeInfo, podInfo, seeded } from './fixtures.js';

function place(fw: Framework, nodes: NodeInfo[], p: ReturnType<typeof podInfo>): string | undefined {
  const r = fw.schedule(p, nodes);
  if (r.kind !== 'Scheduled') return undefined;
  nodes.find((n) => n.name === r.nodeName)!.addPod(p);
  return r.nodeName;
}

test('numFeasibleNodesToFind: all under 100 nodes, adaptive share above, never under 100', () => {
  const cases: [number, number, number][] = [
    [10, 0, 10], [99, 0, 99], [100, 0, 100], [200, 0, 100], [1000, 0, 420], [5000, 0, 500], [10_000, 0, 500],
    [1000, 10, 100], [1000, 50, 500], [1000, 100, 1000],
  ];
  for (const [n, pct, want] of cases) assert.equal(numFeasibleNodesToFind(n, pct), want, `${n} nodes at ${pct}%`);
});

test('the pod goes to the feasible node with the most room', () => {
  const fw = new Framework({ random: seeded() });
  const nodes = [
    nodeInfo('full', { cpu: '2', memory: '4Gi' }, [podInfo({ cpu: '1900m' })]),
    nodeInfo('busy', { cpu: '4', memory: '8Gi' }, [podInfo({ cpu: '3', memory: '6Gi' })]),
    nodeInfo('roomy', { cpu: '4', memory: '8Gi' }, [podInfo({ cpu: '500m', memory: '1Gi' })]),
  ];
  const r = fw.schedule(podInfo({ cpu: '500m', memory: '512Mi' }), nodes);
  assert.equal(r.kind, 'Scheduled');
  assert.equal(r.kind === 'Scheduled' && r.nodeName, 'roomy');
  assert.equal(r.kind === 'Scheduled' && r.feasibleNodes, 2);
});

test('no node fits: the result carries the kubectl summary over all nodes', () => {
  const fw = new Framework();
  const nodes = [
    nodeInfo('a', { memory: '1Gi' }),
    nodeInfo('b', { memory: '1Gi' }),
    nodeInfo('c', { memory: '8Gi', labels: { zone: 'b' } }),
  ];
  const r2 = fw.schedule(podInfo({ memory: '2Gi' }), [nodes[0]!, nodes[1]!, nodeInfo('gpu', { memory: '8Gi', taints: [{ key: 'gpu', effect: 'NoSchedule' }] })]);
  assert.equal(r2.kind === 'Unschedulable' && r2.message, '0/3 nodes are available: 2 Insufficient memory, 1 node(s) had untolerated taint {gpu: }.');
  const r3 = fw.schedule(podInfo({ memory: '2Gi', nodeSelector: { zone: 'a' } }), [nodes[0]!, nodes[1]!, nodes[2]!]);
  assert.equal(r3.kind === 'Unschedulable' && r3.message, "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
  assert.equal(fw.schedule(podInfo({}), []).kind, 'Unschedulable');
});

test('capacity is kept exactly: 200 pods for 10 nodes of 15 slots each place 150', () => {
  const fw = new Framework({ random: seeded(7) });
  const nodes = Array.from({ length: 10 }, (_, i) => nodeInfo(`n${i}`, { cpu: '1500m', memory: '15Gi' }));
  let placed = 0;
  let refused = 0;
  for (let i = 0; i < 200; i++) {
    if (place(fw, nodes, podInfo({ name: `p${i}`, cpu: '100m', memory: '1Gi' }))) placed++;
    else refused++;
  }
  assert.equal(placed, 150);
  assert.equal(refused, 50);
  for (const n of nodes) {
    assert.ok(n.reqCpu <= n.allocCpu && n.reqMemory <= n.allocMemory, `${n.name} over-committed`);
    assert.equal(n.podCount, 15, `${n.name} is filled exactly`);
  }
});

test('equal nodes share the load; pods of one ReplicaSet spread', () => {
  const fw = new Framework({ random: seeded(3) });
  const nodes = Array.from({ length: 4 }, (_, i) => nodeInfo(`n${i}`, { cpu: '64', memory: '256Gi' }));
  const counts = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const n = place(fw, nodes, podInfo({ name: `w${i}`, owner: 'web' }))!;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  assert.deepEqual([...counts.values()].sort(), [10, 10, 10, 10]);
  // ties among untouched equal nodes are broken at random, not always by the first node
  const picks = new Set<string>();
  const fresh = Array.from({ length: 4 }, (_, i) => nodeInfo(`e${i}`));
  for (let i = 0; i < 40; i++) {
    const r = fw.schedule(podInfo({}), fresh);
    if (r.kind === 'Scheduled') picks.add(r.nodeName);
  }
  assert.equal(picks.size, 4);
});

test('weights come from the config: preferred affinity wins only when weighted', () => {
  const pod = podInfo({
    nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] },
  });
  const mk = () => [nodeInfo('ssd-busy', { labels: { disk: 'ssd' } }, [podInfo({ cpu: '3', memory: '6Gi' })]), nodeInfo('hdd-idle', { labels: { disk: 'hdd' } })];
  assert.equal((fw(2).schedule(pod, mk()) as { nodeName: string }).nodeName, 'ssd-busy');
  assert.equal((fw(0).schedule(pod, mk()) as { nodeName: string }).nodeName, 'hdd-idle');
  function fw(affinityWeight: number) {
    return new Framework({ scoreWeights: { NodeAffinity: affinityWeight }, random: seeded() });
  }
});

test('sampling: with 1,000 nodes a cycle filters a share, and successive cycles rotate over all nodes', () => {
  const fw = new Framework({ random: seeded() });
  const nodes = Array.from({ length: 1000 }, (_, i) => nodeInfo(`n${i}`, { cpu: '32', memory: '64Gi' }));
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const r = fw.schedule(podInfo({ cpu: '100m' }), nodes);
    assert.equal(r.kind, 'Scheduled');
    if (r.kind === 'Scheduled') {
      assert.equal(r.evaluatedNodes, 420);
      assert.equal(r.feasibleNodes, 420);
      seen.add(r.nodeName);
    }
  }
  assert.ok(seen.size > 5, 'picks move around the cluster');
});

test('a pod rejected in PreFilter is reported against every node', () => {
  const r = new Framework().schedule(podInfo({ memory: '1Q' }), [nodeInfo('a'), nodeInfo('b')]);
  assert.equal(r.kind, 'Unschedulable');
  assert.match(r.kind === 'Unschedulable' ? r.message : '', /^0\/2 nodes are available: invalid resources: .*1Q.*\.$/);
});
