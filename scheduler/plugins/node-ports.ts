/**
 * NodePorts: a pod that asks for host ports only fits a node where none of them is taken (per
 * protocol and port).
 */
import { FLAG_PORTS_USED, type NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import {
  type CycleState, type FilterPlugin, type PreFilterPlugin, type Reject, type Status, SKIP, SUCCESS, filterFlagged, status,
} from '../framework/types.js';

/** REASON_PORTS is the reason for a node where a requested host port is in use. */
export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

/** portsFree is the pure decision: no host port of the pod is already used on the node. */
export function portsFree(pod: PodInfo, node: NodeInfo): boolean {
  for (const hp of pod.hostPorts) if (node.usedPorts.has(`${hp.protocol}/${hp.port}`)) return false;
  return true;
}

/** NodePorts is the filter plugin for host port conflicts. */
export class NodePorts {
  readonly name = 'NodePorts';

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.hostPorts.length > 0 ? SUCCESS : SKIP;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return portsFree(pod, node) ? SUCCESS : status('Unschedulable', this.name, REASON_PORTS);
  }

  filterMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject): number {
    return filterFlagged(this, FLAG_PORTS_USED, false, state, pod, cols, slots, count, reject);
  }
}
NodePorts satisfies new () => PreFilterPlugin & FilterPlugin;
