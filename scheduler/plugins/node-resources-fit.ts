/**
 * NodeResourcesFit: a pod fits a node when the requests of the node's pods plus its own stay within
 * the node's allocatable cpu and memory, and a pod slot is free. The decision is `insufficient`, a
 * pure function over two precomputed records; Filter only maps its answer to a Status.
 */
import { FLAG_INVALID, type NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { type CycleState, type FilterPlugin, type PreFilterPlugin, type Reject, type Status, SUCCESS, status } from '../framework/types.js';

/** REASON_CPU is Kubernetes' word for a node without enough cpu left. */
export const REASON_CPU = 'Insufficient cpu';
/** REASON_MEMORY is Kubernetes' word for a node without enough memory left. */
export const REASON_MEMORY = 'Insufficient memory';
/** REASON_PODS is Kubernetes' word for a node without a free pod slot. */
export const REASON_PODS = 'Too many pods';

/** INSUFFICIENT_PODS is the bit of `insufficient`'s answer for pod slots. */
export const INSUFFICIENT_PODS = 1;
/** INSUFFICIENT_CPU is the bit of `insufficient`'s answer for cpu. */
export const INSUFFICIENT_CPU = 2;
/** INSUFFICIENT_MEMORY is the bit of `insufficient`'s answer for memory. */
export const INSUFFICIENT_MEMORY = 4;

/** Request is what a pod asks: millicores and bytes. */
export interface Request {
  readonly cpu: number;
  readonly memory: number;
}

/** Capacity is what a node has and what is already asked of it. */
export interface Capacity {
  readonly allocCpu: number;
  readonly allocMemory: number;
  readonly allocPods: number;
  readonly reqCpu: number;
  readonly reqMemory: number;
  readonly podCount: number;
}

/** insufficient is the pure fit decision: a bit set of what would run out (0 = fits), in Kubernetes' order. */
export function insufficient(pod: Request, node: Capacity): number {
  let bits = 0;
  if (node.podCount + 1 > node.allocPods) bits |= INSUFFICIENT_PODS;
  if (pod.cpu > 0 && pod.cpu > node.allocCpu - node.reqCpu) bits |= INSUFFICIENT_CPU;
  if (pod.memory > 0 && pod.memory > node.allocMemory - node.reqMemory) bits |= INSUFFICIENT_MEMORY;
  return bits;
}

/** fits tells whether the pod fits the node. */
export function fits(pod: Request, node: Capacity): boolean {
  return insufficient(pod, node) === 0;
}

/** insufficientReasons turns `insufficient`'s bits into reason strings. */
export function insufficientReasons(bits: number): string[] {
  const out: string[] = [];
  if (bits & INSUFFICIENT_PODS) out.push(REASON_PODS);
  if (bits & INSUFFICIENT_CPU) out.push(REASON_CPU);
  if (bits & INSUFFICIENT_MEMORY) out.push(REASON_MEMORY);
  return out;
}

/** NodeResourcesFit is the filter plugin for cpu, memory and pod slots. */
export class NodeResourcesFit {
  readonly name = 'NodeResourcesFit';

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.invalid ? status('UnschedulableAndUnresolvable', this.name, pod.invalid) : SUCCESS;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.invalid) return status('UnschedulableAndUnresolvable', this.name, node.invalid);
    const bits = insufficient(pod, node);
    return bits === 0 ? SUCCESS : status('Unschedulable', this.name, ...insufficientReasons(bits));
  }

  filterMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject): number {
    const { flags, freePods, freeCpu, freeMemory } = cols;
    // A request of 0 always fits that resource (as in `insufficient`).
    const cpu = pod.cpu > 0 ? pod.cpu : -Infinity;
    const mem = pod.memory > 0 ? pod.memory : -Infinity;
    let k = 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      const fitsHere = freePods[s]! >= 1 && cpu <= freeCpu[s]! && mem <= freeMemory[s]! && (flags[s]! & FLAG_INVALID) === 0;
      if (fitsHere) slots[k++] = s;
      else reject(s, this.filter(state, pod, cols.info(s)));
    }
    return k;
  }
}
NodeResourcesFit satisfies new () => PreFilterPlugin & FilterPlugin;
