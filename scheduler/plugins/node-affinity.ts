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

  // Label matches are memoised per node slot, keyed by the pod's constraints (interned to a small
  // number) and the node's labels version: pods of one workload share constraints, so most checks
  // are two integer compares.
  private memoCols: NodeColumns | undefined;
  private memoKey = new Int32Array(0);
  private memoVersion = new Uint32Array(0);
  private memoResult = new Uint8Array(0);
  private readonly interned = new Map<string, number>();
  /** cycleKey is the interned constraints of the pod in this cycle (0 when it has none). */
  private cycleKey = 0;

  preFilter(_state: CycleState, pod: PodInfo): Status {
    const spec = pod.pod.spec;
    let hasSelector = false;
    for (const _ in spec.nodeSelector ?? {}) {
      hasSelector = true;
      break;
    }
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!hasSelector && required === undefined) {
      this.cycleKey = 0;
      return SKIP;
    }
    let key: string;
    if (required === undefined) {
      // The common case, a nodeSelector alone: a cheap key of its pairs in order.
      key = 'S';
      for (const k in spec.nodeSelector) key += `${k}\u0000${spec.nodeSelector[k]}\u0001`;
    } else key = JSON.stringify([spec.nodeSelector ?? null, required]);
    let k = this.interned.get(key);
    if (k === undefined) {
      if (this.interned.size >= 100_000) {
        // Start over (rare): forget every memo, since the numbers will be handed out again.
        this.interned.clear();
        this.memoKey.fill(0);
      }
      k = this.interned.size + 1;
      this.interned.set(key, k);
    }
    this.cycleKey = k;
    return SUCCESS;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return nodeMatchesPod(pod, node.labels) ? SUCCESS : status('UnschedulableAndUnresolvable', this.name, REASON_AFFINITY);
  }

  filterMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject): number {
    if (this.memoCols !== cols || this.memoVersion.length < cols.labelsVersion.length) {
      const len = cols.labelsVersion.length;
      const keep = this.memoCols === cols;
      this.memoCols = cols;
      const key = new Int32Array(len);
      const v = new Uint32Array(len);
      const r = new Uint8Array(len);
      if (keep) {
        key.set(this.memoKey);
        v.set(this.memoVersion);
        r.set(this.memoResult);
      }
      this.memoKey = key;
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
      if (key !== 0 && memoKey[s] === key && memoVersion[s] === versions[s]) ok = memoResult[s] === 1;
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
