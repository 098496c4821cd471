/**
 * The framework's batch path (columns, memos, skipped passes, fused scoring) must decide exactly as
 * a plain reference does with the plugins' per-node functions: filter node by node from where the
 * last cycle stopped until enough feasible nodes are found, score each with every plugin, normalise,
 * weight, and pick among the best at random — over a mixed cluster whose nodes change as pods land.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Framework, numFeasibleNodesToFind } from '../../scheduler/framework/framework.js';
import { CycleState, type FilterPlugin, type ScorePlugin } from '../../scheduler/framework/types.js';
import { DEFAULT_SCORE_WEIGHTS, type ScorePluginName } from '../../scheduler/config.js';
import { type NodeInfo, readyNode } from '../../scheduler/node-info.js';
import type { PodInfo } from '../../scheduler/pod-info.js';
import { NodeUnschedulable } from '../../scheduler/plugins/node-unschedulable.js';
import { TaintToleration } from '../../scheduler/plugins/taint-toleration.js';
import { NodeAffinity } from '../../scheduler/plugins/node-affinity.js';
import { NodePorts } from '../../scheduler/plugins/node-ports.js';
import { NodeResourcesFit } from '../../scheduler/plugins/node-resources-fit.js';
import { NodeResourcesLeastAllocated } from '../../scheduler/plugins/least-allocated.js';
import { NodeResourcesBalancedAllocation } from '../../scheduler/plugins/balanced-allocation.js';
import { SelectorSpread } from '../../scheduler/plugins/selector-spread.js';
import { Snapshot } from '../../scheduler/snapshot.js';
import { nodeInfo, podInfo, seeded } from './fixtures.js';

/** Reference is the scheduling algorithm written node by node with the plugins' pure per-node paths. */
class Reference {
  private next = 0;
  private readonly filters: FilterPlugin[] = [new NodeUnschedulable(), new TaintToleration(), new NodeAffinity(), new NodePorts(), new NodeResourcesFit()];
  private readonly scores: [ScorePlugin, number][];
  constructor(private readonly percentage: number, private readonly random: () => number, weights: Partial<Record<ScorePluginName, number>> = {}) {
    const w = { ...DEFAULT_SCORE_WEIGHTS, ...weights };
    // A plugin the framework skips for a pod (PreScore) gives every node the same score here, so
    // scoring it anyway moves all totals alike and changes no decision.
    const all: ScorePlugin[] = [new NodeResourcesLeastAllocated(), new NodeResourcesBalancedAllocation(), new SelectorSpread(), new NodeAffinity(), new TaintToleration()];
    this.scores = all.map((p) => [p, w[p.name as ScorePluginName] ?? 0] as [ScorePlugin, number]).filter(([, weight]) => weight > 0);
  }

  schedule(pod: PodInfo, nodes: readonly NodeInfo[]): string | undefined {
    const n = nodes.length;
    const want = numFeasibleNodesToFind(n, this.percentage);
    const feasible: NodeInfo[] = [];
    const start = this.next % n;
    let processed = 0;
    while (processed < n && feasible.length < want) {
      const node = nodes[(start + processed) % n]!;
      processed++;
      if (this.filters.every((f) => f.filter(new CycleState(), pod, node).code === 'Success')) feasible.push(node);
    }
    this.next = (start + processed) % n;
    if (feasible.length === 0) return undefined;
    if (feasible.length === 1) return feasible[0]!.name;
    const total = new Array<number>(feasible.length).fill(0);
    for (const [plugin, weight] of this.scores) {
      const state = new CycleState();
      const raw = Float64Array.from(feasible, (node) => plugin.score(state, pod, node));
      plugin.normalize?.(state, pod, raw, raw.length);
      raw.forEach((v, i) => (total[i] += v * weight));
    }
    const max = Math.max(...total);
    const best = feasible.filter((_, i) => total[i] === max);
    return best[best.length === 1 ? 0 : Math.floor(this.random() * best.length)]!.name;
  }
}

function mixedCluster(count: number): NodeInfo[] {
  const nodes: NodeInfo[] = [];
  for (let i = 0; i < count; i++) {
    const taints = [];
    if (i % 7 === 0) taints.push({ key: 'dedicated', value: 'batch', effect: 'NoSchedule' as const });
    if (i % 11 === 0) taints.push({ key: 'spot', effect: 'PreferNoSchedule' as const });
    nodes.push(nodeInfo(`node-${i}`, {
      cpu: `${1 + (i % 5)}`,
      memory: `${2 + (i % 3) * 3}Gi`,
      pods: `${4 + (i % 6)}`,
      labels: { zone: `z${i % 3}`, ...(i % 4 === 0 ? { disk: 'ssd' } : {}) },
      ...(taints.length ? { taints } : {}),
      ...(i % 17 === 0 ? { unschedulable: true } : {}),
      ...(i % 19 === 0 ? { ready: false } : {}),
    }));
  }
  return nodes;
}

function mixedPod(i: number): PodInfo {
  const kinds = [
    {},
    { cpu: '300m', memory: '256Mi', owner: `rs-${i % 6}` },
    { cpu: '1', memory: '1Gi', owner: `rs-${i % 6}`, nodeSelector: { zone: `z${i % 3}` } },
    { owner: 'web', hostPorts: [80 + (i % 2)] },
    { cpu: '200m', nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' as const }] }] } } },
    { cpu: '100m', owner: 'batch', tolerations: [{ key: 'dedicated', operator: 'Exists' as const }] },
    { memory: '512Mi', owner: 'pref', nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['z1'] }] } }] } },
    { cpu: '2500m', memory: '5Gi' },
  ];
  return podInfo(kinds[i % kinds.length]!);
}

for (const [percentage, weights] of [[0, {}], [100, {}], [30, { SelectorSpread: 0, TaintToleration: 1, NodeResourcesBalancedAllocation: 3 }]] as const) {
  test(`the framework decides as the per-node reference (percentageOfNodesToScore ${percentage}, weights ${JSON.stringify(weights)})`, () => {
    const nodes = mixedCluster(240);
    const snapshot = Snapshot.from(nodes);
    const fw = new Framework({ percentageOfNodesToScore: percentage, scoreWeights: weights, random: seeded(5) });
    const ref = new Reference(percentage, seeded(5), weights);
    let placed = 0;
    for (let i = 0; i < 900; i++) {
      const pod = mixedPod(i);
      const r = fw.schedule(pod, snapshot);
      const got = r.kind === 'Scheduled' ? r.nodeName : undefined;
      assert.equal(got, ref.schedule(pod, nodes), `pod #${i}`);
      if (got) {
        snapshot.get(got)!.addPod(pod);
        placed++;
      }
      if (i % 50 === 49) {
        // Nodes change under the scheduler: a relabel, a cordon and back, a pod leaving.
        const k = ((i + 1) / 50) * 7 % nodes.length;
        const node = nodes[k]!;
        node.setNode(readyNode(node.name, { cpu: '3', memory: '6Gi', pods: '8' }, { labels: { zone: 'z1', disk: i % 100 === 49 ? 'ssd' : 'hdd' }, unschedulable: i % 150 === 49 }));
        const first = [...node.pods.keys()][0];
        if (first) node.removePod(first);
      }
    }
    assert.ok(placed > 300 && placed < 900, `placed ${placed}: the cluster fills up, so misfits are compared too`);
  });
}
