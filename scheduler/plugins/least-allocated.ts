/**
 * NodeResourcesLeastAllocated (the default score): prefer the node with the largest share of cpu and
 * memory left after placing the pod, averaged over the two, 0..100. Unset requests count as
 * Kubernetes' non-zero defaults (100m, 200Mi) so that empty pods still spread.
 */
import type { NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { type CycleState, MAX_NODE_SCORE, type ScorePlugin } from '../framework/types.js';

/** leastRequested is the score of one resource: the free share after placing, 0 when it would not fit. */
export function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** leastAllocatedScore is the pure score: the mean of cpu's and memory's leastRequested. */
export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  const cpu = leastRequested(node.nonZeroCpu + pod.nonZeroCpu, node.allocCpu);
  const mem = leastRequested(node.nonZeroMemory + pod.nonZeroMemory, node.allocMemory);
  return Math.floor((cpu + mem) / 2);
}

/** NodeResourcesLeastAllocated is the score plugin that spreads load onto the emptiest nodes. */
export class NodeResourcesLeastAllocated {
  readonly name = 'NodeResourcesLeastAllocated';

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return leastAllocatedScore(pod, node);
  }

  scoreMany(_state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void {
    const { allocCpu, allocMemory, nonZeroCpu, nonZeroMemory } = cols;
    const pc = pod.nonZeroCpu;
    const pm = pod.nonZeroMemory;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      out[i] = Math.floor((leastRequested(nonZeroCpu[s]! + pc, allocCpu[s]!) + leastRequested(nonZeroMemory[s]! + pm, allocMemory[s]!)) / 2);
    }
  }
}
NodeResourcesLeastAllocated satisfies new () => ScorePlugin;
