/**
 * NodeResourcesBalancedAllocation: prefer the node where, after placing the pod, the cpu and memory
 * shares in use are closest to each other (so neither resource is stranded). For two resources the
 * standard deviation is |cpu - memory| / 2; the score is (1 - deviation) × 100.
 */
import { type NodeColumns, percentOf } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { type CycleState, MAX_NODE_SCORE, type ScorePlugin } from '../framework/types.js';

/** sharePercent is the part of a resource in use after placing, in percent (× percentOf, as the batch path), at most 100 (100 without capacity). */
function sharePercent(requested: number, capacity: number): number {
  if (capacity <= 0) return MAX_NODE_SCORE;
  return Math.min(MAX_NODE_SCORE, requested * percentOf(capacity));
}

/** balanced is the score from the two shares in percent: 100 minus their standard deviation (|cpu − memory| / 2). */
function balanced(cpu: number, mem: number): number {
  return Math.floor(MAX_NODE_SCORE - Math.abs(cpu - mem) / 2);
}

/** balancedScore is the pure score of a node for a pod, 0..100. */
export function balancedScore(pod: PodInfo, node: NodeInfo): number {
  const cpu = sharePercent(node.nonZeroCpu + pod.nonZeroCpu, node.allocCpu);
  const mem = sharePercent(node.nonZeroMemory + pod.nonZeroMemory, node.allocMemory);
  return balanced(cpu, mem);
}

/** NodeResourcesBalancedAllocation is the score plugin that keeps cpu and memory use in step. */
export class NodeResourcesBalancedAllocation {
  readonly name = 'NodeResourcesBalancedAllocation';

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return balancedScore(pod, node);
  }

  scoreMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void {
    out.fill(0, 0, count);
    this.addWeighted(state, pod, cols, slots, count, 1, out);
  }

  addWeighted(_state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, weight: number, total: Float64Array): void {
    const { allocCpu, allocMemory, nonZeroCpu, nonZeroMemory, pctCpu, pctMemory } = cols;
    const pc = pod.nonZeroCpu;
    const pm = pod.nonZeroMemory;
    // sharePercent and balanced written out, the same numbers with fewer branches and integer
    // rounding: both shares are 0..100, so 100 − |cpu − memory| / 2 is 50..100, where `| 0` is
    // Math.floor. 100 is MAX_NODE_SCORE as a literal: an imported binding is a tagged value to the
    // optimiser, and mixed with a double it boxed a heap number per node.
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      let cpu = 100;
      if (allocCpu[s]! > 0) {
        const v = (nonZeroCpu[s]! + pc) * pctCpu[s]!;
        if (v < 100) cpu = v;
      }
      let mem = 100;
      if (allocMemory[s]! > 0) {
        const v = (nonZeroMemory[s]! + pm) * pctMemory[s]!;
        if (v < 100) mem = v;
      }
      total[i] = total[i]! + ((100 - Math.abs(cpu - mem) / 2) | 0) * weight;
    }
  }
}
NodeResourcesBalancedAllocation satisfies new () => ScorePlugin;
