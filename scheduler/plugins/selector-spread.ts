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
  type CycleState, MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin, type Status, SKIP, SUCCESS, defaultNormalize, placeOf, placeSlots,
} from '../framework/types.js';

/** SelectorSpread is the score plugin that spreads an owner's pods over nodes. */
export class SelectorSpread {
  readonly name = 'SelectorSpread';
  // What the last collect found, so normalize need not scan: the cycle, the places that hold a
  // non-zero count, their counts and the largest. Typed arrays with a count, not arrays reset with
  // `length = 0` (that drops their storage, so every cycle grew them again).
  private lastCycle = -1;
  private touched = new Int32Array(64);
  private counts = new Float64Array(64);
  private nTouched = 0;
  private max = 0;
  /** saved holds the totals of the touched places during addWeighted; buf is for its per-node path. */
  private saved = new Float64Array(64);
  private buf = new Float64Array(0);

  preScore(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number): Status {
    if (pod.ownerUid === undefined) return SKIP;
    // Each feasible slot's place, so scoring can go from the owner's nodes to places.
    placeSlots(state, cols, slots, count);
    return SUCCESS;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return pod.ownerUid === undefined ? 0 : node.ownerCounts.get(pod.ownerUid) ?? 0;
  }

  /**
   * collect notes, from the owner index, the places among slots[0..count) that hold pods of the
   * owner, their counts and the largest (for normalize and addWeighted); false when the places of
   * the slots were not written in this cycle (placeSlots), and the per-node path must answer.
   */
  private collect(state: CycleState, uid: string, cols: NodeColumns, slots: Int32Array, count: number): boolean {
    const index = cols.info(slots[0]!).ownerIndex;
    if (index === undefined || state.placed !== slots || state.placedCount !== count) {
      this.lastCycle = -1;
      return false;
    }
    const used = index.nodesOf(uid);
    this.nTouched = 0;
    this.max = 0;
    this.lastCycle = state.id;
    if (!used) return true;
    const { nodes, counts: owned } = used;
    if (this.touched.length < nodes.length) {
      this.touched = new Int32Array(nodes.length * 2);
      this.counts = new Float64Array(nodes.length * 2);
      this.saved = new Float64Array(nodes.length * 2);
    }
    const { touched, counts } = this;
    let t = 0;
    let max = 0;
    for (let j = 0; j < nodes.length; j++) {
      const p = placeOf(state, cols, nodes[j]!.slot);
      const n = owned[j]!;
      if (p >= 0) {
        touched[t] = p;
        counts[t++] = n;
        if (n > max) max = n;
      }
    }
    this.nTouched = t;
    this.max = max;
    return true;
  }

  scoreMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void {
    out.fill(0, 0, count);
    const uid = pod.ownerUid;
    if (uid === undefined || count === 0) return;
    if (!this.collect(state, uid, cols, slots, count)) {
      for (let i = 0; i < count; i++) out[i] = this.score(state, pod, cols.info(slots[i]!));
      return;
    }
    const { touched, counts, nTouched } = this;
    for (let k = 0; k < nTouched; k++) out[touched[k]!] = counts[k]!;
  }

  addWeighted(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, weight: number, total: Float64Array): void {
    const uid = pod.ownerUid;
    if (count === 0) return;
    if (uid === undefined || !this.collect(state, uid, cols, slots, count)) {
      if (this.buf.length < count) this.buf = new Float64Array(count);
      const buf = this.buf;
      this.scoreMany(state, pod, cols, slots, count, buf);
      this.normalize(state, pod, buf, count);
      for (let i = 0; i < count; i++) total[i] = total[i]! + buf[i]! * weight;
      return;
    }
    // Every node gets the top score but the few holding the owner's pods: keep their totals aside,
    // add the top to all, then give those few their own score on the total they had.
    const { touched, counts, nTouched, saved } = this;
    for (let k = 0; k < nTouched; k++) saved[k] = total[touched[k]!]!;
    const top = MAX_NODE_SCORE * weight;
    for (let i = 0; i < count; i++) total[i] = total[i]! + top;
    const max = this.max;
    if (max === 0) return;
    for (let k = 0; k < nTouched; k++) total[touched[k]!] = saved[k]! + (MAX_NODE_SCORE - Math.floor((MAX_NODE_SCORE * counts[k]!) / max)) * weight;
  }

  normalize(state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    if (this.lastCycle !== state.id) return defaultNormalize(scores, count, true);
    // As defaultNormalize(reverse): nodes without the owner's pods get the maximum; only the few
    // that hold some need the division.
    const max = this.max;
    scores.fill(MAX_NODE_SCORE, 0, count);
    if (max === 0) return;
    const { touched, counts, nTouched } = this;
    for (let k = 0; k < nTouched; k++) scores[touched[k]!] = MAX_NODE_SCORE - Math.floor((MAX_NODE_SCORE * counts[k]!) / max);
  }
}
SelectorSpread satisfies new () => PreScorePlugin & ScorePlugin;
