/**
 * NodeResourcesBalancedAllocation: prefer the node where, after placing the pod, the cpu and memory
 * shares in use are closest to each other (so neither resource is stranded). For two resources the
 * standard deviation is |cpu - memory| / 2; the score is (1 - deviation) × 100.
 */
import type { NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { type CycleState, MAX_NODE_SCORE, type ScorePlugin } from '../framework/types.js';

function share(requested: number, capacity: number): number {
  if (capacity <= 0) return 1;
  return Math.min(1, requested / capacity);
}

/** balancedScore is the pure score of a node for a pod, 0..100. */
export function balancedScore(pod: PodInfo, node: NodeInfo): number {
  const cpu = share(node.nonZeroCpu + pod.nonZeroCpu, node.allocCpu);
  const mem = share(node.nonZeroMemory + pod.nonZeroMemory, node.allocMemory);
  const deviation = Math.abs(cpu - mem) / 2;
  return Math.floor((1 - deviation) * MAX_NODE_SCORE);
}

/** NodeResourcesBalancedAllocation is the score plugin that keeps cpu and memory use in step. */
export class NodeResourcesBalancedAllocation {
  readonly name = 'NodeResourcesBalancedAllocation';

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return balancedScore(pod, node);
  }

  scoreMany(_state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void {
    const { allocCpu, allocMemory, nonZeroCpu, nonZeroMemory } = cols;
    const pc = pod.nonZeroCpu;
    const pm = pod.nonZeroMemory;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      const cpu = share(nonZeroCpu[s]! + pc, allocCpu[s]!);
      const mem = share(nonZeroMemory[s]! + pm, allocMemory[s]!);
      out[i] = Math.floor((1 - Math.abs(cpu - mem) / 2) * MAX_NODE_SCORE);
    }
  }
}
NodeResourcesBalancedAllocation satisfies new () => ScorePlugin;
