/**
 * SelectorSpread: spread the pods of one owner (a ReplicaSet) across nodes — a node scores lower the
 * more pods of the same owner it already holds (normalised: 100 for the emptiest, 0 for the fullest).
 * Pods without an owner skip it.
 */
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import {
  type CycleState, type PreScorePlugin, type ScorePlugin, type Status, SKIP, SUCCESS, defaultNormalize,
} from '../framework/types.js';

/** SelectorSpread is the score plugin that spreads an owner's pods over nodes. */
export class SelectorSpread {
  readonly name = 'SelectorSpread';

  preScore(_state: CycleState, pod: PodInfo): Status {
    return pod.ownerUid === undefined ? SKIP : SUCCESS;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return pod.ownerUid === undefined ? 0 : node.ownerCounts.get(pod.ownerUid) ?? 0;
  }

  normalize(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    defaultNormalize(scores, count, true);
  }
}
SelectorSpread satisfies new () => PreScorePlugin & ScorePlugin;
