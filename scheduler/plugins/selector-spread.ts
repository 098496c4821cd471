/**
 * SelectorSpread: spread the pods of one owner (a ReplicaSet) across nodes — a node scores lower the
 * more pods of the same owner it already holds (normalised: 100 for the emptiest, 0 for the fullest).
 * Pods without an owner skip it. Over a snapshot it visits only the nodes the owner uses (from the
 * snapshot's owner index) instead of looking the owner up on every feasible node.
 */
import type { NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import {
  type CycleState, MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin, type Status, SKIP, SUCCESS, defaultNormalize,
} from '../framework/types.js';

/** SelectorSpread is the score plugin that spreads an owner's pods over nodes. */
export class SelectorSpread {
  readonly name = 'SelectorSpread';
  // What the last batch scoreMany found, so normalize need not scan: the cycle, the places that
  // hold a non-zero count, and the largest count.
  private lastCycle = -1;
  private readonly touched: number[] = [];
  private readonly counts: number[] = [];
  private max = 0;

  preScore(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number): Status {
    if (pod.ownerUid === undefined) return SKIP;
    // Stamp each feasible slot with its position, so scoreMany can go from the owner's nodes to places.
    const { stamp, pos } = cols;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      stamp[s] = state.id;
      pos[s] = i;
    }
    return SUCCESS;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return pod.ownerUid === undefined ? 0 : node.ownerCounts.get(pod.ownerUid) ?? 0;
  }

  scoreMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void {
    out.fill(0, 0, count);
    const uid = pod.ownerUid;
    if (uid === undefined || count === 0) return;
    const index = cols.info(slots[0]!).ownerIndex;
    if (index === undefined || cols.stamp[slots[0]!] !== state.id) {
      for (let i = 0; i < count; i++) out[i] = this.score(state, pod, cols.info(slots[i]!));
      return;
    }
    const used = index.nodesOf(uid);
    const touched = this.touched;
    const counts = this.counts;
    touched.length = 0;
    counts.length = 0;
    this.max = 0;
    this.lastCycle = state.id;
    if (!used) return;
    const { stamp, pos } = cols;
    for (const [node, n] of used) {
      const s = node.slot;
      if (s >= 0 && stamp[s] === state.id) {
        const at = pos[s]!;
        out[at] = n;
        touched.push(at);
        counts.push(n);
        if (n > this.max) this.max = n;
      }
    }
  }

  normalize(state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    if (this.lastCycle !== state.id) return defaultNormalize(scores, count, true);
    // As defaultNormalize(reverse): nodes without the owner's pods get the maximum; only the few
    // that hold some need the division.
    const max = this.max;
    scores.fill(MAX_NODE_SCORE, 0, count);
    if (max === 0) return;
    const { touched, counts } = this;
    for (let k = 0; k < touched.length; k++) scores[touched[k]!] = MAX_NODE_SCORE - Math.floor((MAX_NODE_SCORE * counts[k]!) / max);
  }
}
SelectorSpread satisfies new () => PreScorePlugin & ScorePlugin;
