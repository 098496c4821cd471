/**
 * NodeAffinity: the pod's nodeSelector and its required node affinity filter nodes by their labels;
 * its preferred node affinity scores them (the sum of the weights of the matching preferences,
 * normalised by the best node).
 */
import type { NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { matchesAnyTerm, matchesNodeSelector, matchesTerm } from '../node-selector.js';
import {
  type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type Reject, type ScorePlugin, type Status,
  SKIP, SUCCESS, defaultNormalize, status,
} from '../framework/types.js';

/** REASON_AFFINITY is the reason for a node the pod's nodeSelector or required affinity rules out. */
export const REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** nodeMatchesPod is the pure decision: nodeSelector pairs all present and (when set) some required term matching. */
export function nodeMatchesPod(pod: PodInfo, labels: Readonly<Record<string, string>>): boolean {
  const spec = pod.pod.spec;
  if (!matchesNodeSelector(spec.nodeSelector, labels)) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required ? matchesAnyTerm(required.nodeSelectorTerms ?? [], labels) : true;
}

/** NodeAffinity is the filter (nodeSelector, required) and score (preferred) plugin for node labels. */
export class NodeAffinity {
  readonly name = 'NodeAffinity';

  // Label matches are memoised per node slot, keyed by the pod's (interned) constraints and the
  // node's labels version: pods of one workload share constraints, so most checks are one compare.
  private memoCols: NodeColumns | undefined;
  private memoKey: (string | undefined)[] = [];
  private memoVersion = new Uint32Array(0);
  private memoResult = new Uint8Array(0);
  private readonly interned = new Map<string, string>();
  /** cycleKey is the interned constraints of the pod in this cycle ('' when it has none). */
  private cycleKey = '';

  preFilter(_state: CycleState, pod: PodInfo): Status {
    const spec = pod.pod.spec;
    const hasSelector = spec.nodeSelector !== undefined && Object.keys(spec.nodeSelector).length > 0;
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!hasSelector && required === undefined) {
      this.cycleKey = '';
      return SKIP;
    }
    const key = JSON.stringify([spec.nodeSelector ?? null, required ?? null]);
    let k = this.interned.get(key);
    if (k === undefined) {
      if (this.interned.size >= 10_000) this.interned.clear();
      this.interned.set(key, key);
      k = key;
    }
    this.cycleKey = k;
    return SUCCESS;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return nodeMatchesPod(pod, node.labels) ? SUCCESS : status('UnschedulableAndUnresolvable', this.name, REASON_AFFINITY);
  }

  filterMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject): number {
    if (this.memoCols !== cols || this.memoVersion.length < cols.labelsVersion.length) {
      if (this.memoCols !== cols) this.memoKey = [];
      this.memoCols = cols;
      const v = new Uint32Array(cols.labelsVersion.length);
      const r = new Uint8Array(cols.labelsVersion.length);
      v.set(this.memoVersion.subarray(0, Math.min(this.memoVersion.length, v.length)));
      r.set(this.memoResult.subarray(0, Math.min(this.memoResult.length, r.length)));
      this.memoVersion = v;
      this.memoResult = r;
    }
    const key = this.cycleKey;
    const memoKey = this.memoKey;
    const memoVersion = this.memoVersion;
    const memoResult = this.memoResult;
    const versions = cols.labelsVersion;
    let k = 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      let ok: boolean;
      if (key !== '' && memoKey[s] === key && memoVersion[s] === versions[s]) ok = memoResult[s] === 1;
      else {
        ok = this.filter(state, pod, cols.info(s)) === SUCCESS;
        memoKey[s] = key;
        memoVersion[s] = versions[s]!;
        memoResult[s] = ok ? 1 : 0;
      }
      if (ok) slots[k++] = s;
      else reject(s, status('UnschedulableAndUnresolvable', this.name, REASON_AFFINITY));
    }
    return k;
  }

  preScore(_state: CycleState, pod: PodInfo): Status {
    const preferred = pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    return preferred && preferred.length > 0 ? SUCCESS : SKIP;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let sum = 0;
    for (const p of pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (p.weight > 0 && matchesTerm(p.preference, node.labels)) sum += p.weight;
    }
    return sum;
  }

  scoreMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void {
    for (let i = 0; i < count; i++) out[i] = this.score(state, pod, cols.info(slots[i]!));
  }

  normalize(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    defaultNormalize(scores, count, false);
  }
}
NodeAffinity satisfies new () => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
