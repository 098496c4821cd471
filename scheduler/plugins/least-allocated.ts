/**
 * NodeResourcesLeastAllocated (the default score): prefer the node with the largest share of cpu and
 * memory left after placing the pod, averaged over the two, 0..100. Unset requests count as
 * Kubernetes' non-zero defaults (100m, 200Mi) so that empty pods still spread.
 */
import { type NodeColumns, percentOf } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import type { CycleState, ScorePlugin } from '../framework/types.js';

/**
 * leastRequested is the score of one resource: the free share after placing, in percent, rounded
 * down; 0 when it would not fit. It multiplies by percentOf(capacity), so that the batch path
 * (which keeps that in a column) and this one compute the very same number.
 */
export function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor((capacity - requested) * percentOf(capacity));
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

  scoreMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void {
    out.fill(0, 0, count);
    this.addWeighted(state, pod, cols, slots, count, 1, out);
  }

  addWeighted(_state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, weight: number, total: Float64Array): void {
    const { allocCpu, allocMemory, nonZeroCpu, nonZeroMemory, pctCpu, pctMemory } = cols;
    const pc = pod.nonZeroCpu;
    const pm = pod.nonZeroMemory;
    // leastRequested written out with fewer branches and integer rounding, about twice as fast and
    // the same numbers: without capacity pct is 0 and the share 0; a negative share (over capacity)
    // is 0; the others are 0..100, where `| 0` is Math.floor, and `>> 1` halves with floor.
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      const vc = (allocCpu[s]! - (nonZeroCpu[s]! + pc)) * pctCpu[s]!;
      const vm = (allocMemory[s]! - (nonZeroMemory[s]! + pm)) * pctMemory[s]!;
      const cpu = vc > 0 ? vc | 0 : 0;
      const mem = vm > 0 ? vm | 0 : 0;
      total[i] = total[i]! + ((cpu + mem) >> 1) * weight;
    }
  }
}
NodeResourcesLeastAllocated satisfies new () => ScorePlugin;
