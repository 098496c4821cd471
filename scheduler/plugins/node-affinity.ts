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

/** MAX_MEMOS bounds how many constraint sets keep a memo at once (one byte per node each). */
const MAX_MEMOS = 256;
const MATCH = 1;
const NO_MATCH = 2;

/** LabelMatches is what NodeAffinity knows of one set of constraints over the nodes. */
interface LabelMatches {
  /** result is, by node slot, 0 (not yet known), MATCH or NO_MATCH. */
  result: Uint8Array;
  /** matched is how many slots are known to match. */
  matched: number;
}

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

  // Label matches are memoised per pod constraints (interned to a small number): one byte per node
  // slot (0 not yet known, MATCH, NO_MATCH) and how many nodes match, all valid while no node's
  // labels change and no node comes or goes (the columns' labelsEpoch). Pods of one workload share
  // constraints, so a check is one byte read, and when every node matches the pass is skipped.
  private memoCols: NodeColumns | undefined;
  private memoEpoch = -1;
  private readonly memos = new Map<number, LabelMatches>();
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
        this.memos.clear();
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

  /** memoFor gives the memo of the cycle's constraints over `cols`, empty when labels changed since. */
  private memoFor(cols: NodeColumns): LabelMatches {
    if (this.memoCols !== cols || this.memoEpoch !== cols.labelsEpoch) {
      this.memoCols = cols;
      this.memoEpoch = cols.labelsEpoch;
      this.memos.clear();
    }
    let m = this.memos.get(this.cycleKey);
    if (m === undefined || m.result.length < cols.flags.length) {
      if (this.memos.size >= MAX_MEMOS) this.memos.clear();
      m = { result: new Uint8Array(cols.flags.length), matched: 0 };
      this.memos.set(this.cycleKey, m);
    }
    return m;
  }

  filterMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject): number {
    let k = 0;
    if (this.cycleKey === 0) {
      // No constraints were interned (PreFilter skipped): every node matches, but answer per node.
      for (let i = 0; i < count; i++) {
        const s = slots[i]!;
        const st = this.filter(state, pod, cols.info(s));
        if (st === SUCCESS) slots[k++] = s;
        else reject(s, st);
      }
      return k;
    }
    const m = this.memoFor(cols);
    if (m.matched === cols.size) return count;
    const result = m.result;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      let r = result[s]!;
      if (r === 0) {
        r = nodeMatchesPod(pod, cols.info(s).labels) ? MATCH : NO_MATCH;
        result[s] = r;
        if (r === MATCH) m.matched++;
      }
      if (r === MATCH) slots[k++] = s;
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
