/**
 * TaintToleration: a node's NoSchedule and NoExecute taints filter out pods that do not tolerate
 * them; PreferNoSchedule taints only lower the node's score (fewer untolerated is better).
 */
import type { Taint } from '../../api/types.js';
import { FLAG_HARD_TAINTS, FLAG_SOFT_TAINTS, type NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { countUntolerated, firstUntolerated } from '../tolerations.js';
import {
  type CycleState, type FilterPlugin, type PreScorePlugin, type Reject, type ScorePlugin, type Status, SKIP, SUCCESS, defaultNormalize, filterFlagged, status,
} from '../framework/types.js';

/** untoleratedTaintReason is the reason naming the first taint the pod does not tolerate, in Kubernetes' words. */
export function untoleratedTaintReason(taint: Readonly<Taint>): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** TaintToleration is the filter (NoSchedule, NoExecute) and score (PreferNoSchedule) plugin for taints. */
export class TaintToleration {
  readonly name = 'TaintToleration';

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.hardTaints.length === 0) return SUCCESS;
    const taint = firstUntolerated(node.hardTaints, pod.pod.spec.tolerations);
    return taint ? status('UnschedulableAndUnresolvable', this.name, untoleratedTaintReason(taint)) : SUCCESS;
  }

  filterMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject): number {
    return filterFlagged(this, FLAG_HARD_TAINTS, false, state, pod, cols, slots, count, reject);
  }

  preScore(_state: CycleState, _pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number): Status {
    // Without PreferNoSchedule taints on any feasible node every node would score the same: skip.
    if (cols.noneWith(FLAG_SOFT_TAINTS)) return SKIP;
    const flags = cols.flags;
    for (let i = 0; i < count; i++) if (flags[slots[i]!]! & FLAG_SOFT_TAINTS) return SUCCESS;
    return SKIP;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (node.softTaints.length === 0) return 0;
    const tolerations = (pod.pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return countUntolerated(node.softTaints, tolerations);
  }

  scoreMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void {
    const flags = cols.flags;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      out[i] = flags[s]! & FLAG_SOFT_TAINTS ? this.score(state, pod, cols.info(s)) : 0;
    }
  }

  normalize(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    defaultNormalize(scores, count, true);
  }
}
TaintToleration satisfies new () => FilterPlugin & PreScorePlugin & ScorePlugin;
