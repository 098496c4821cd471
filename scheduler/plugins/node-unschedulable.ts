/**
 * NodeUnschedulable filters out cordoned nodes (spec.unschedulable, unless the pod tolerates the
 * node.kubernetes.io/unschedulable taint) and nodes whose Ready condition is not True.
 */
import { FLAG_SCHEDULABLE, type NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { toleratesTaint } from '../tolerations.js';
import { type CycleState, type FilterPlugin, type Reject, type Status, SUCCESS, filterFlagged, status } from '../framework/types.js';

/** REASON_UNSCHEDULABLE is the reason for a cordoned node. */
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
/** REASON_NOT_READY is the reason for a node whose Ready condition is not True. */
export const REASON_NOT_READY = 'node(s) were not ready';
/** UNSCHEDULABLE_TAINT is the taint a pod tolerates to land on a cordoned node anyway. */
export const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;

/** NodeUnschedulable is the filter plugin for cordoned and not-ready nodes. */
export class NodeUnschedulable {
  readonly name = 'NodeUnschedulable';

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.unschedulable && !toleratesTaint(pod.pod.spec.tolerations, UNSCHEDULABLE_TAINT)) {
      return status('UnschedulableAndUnresolvable', this.name, REASON_UNSCHEDULABLE);
    }
    if (!node.ready) return status('UnschedulableAndUnresolvable', this.name, REASON_NOT_READY);
    return SUCCESS;
  }

  filterMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject): number {
    return filterFlagged(this, FLAG_SCHEDULABLE, true, state, pod, cols, slots, count, reject);
  }
}
NodeUnschedulable satisfies new () => FilterPlugin;
