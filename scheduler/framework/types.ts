/**
 * The scheduler framework's extension points, after Kubernetes' scheduler framework: a plugin is a
 * class that implements one to three of these small interfaces, and every outcome is a value
 * (`Status`), never an exception. Plugins see a pod as a precomputed `PodInfo` and a node as a
 * precomputed `NodeInfo`, so the hot path only compares numbers.
 */
import type { NodeColumns } from '../node-columns.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';

/** Code is a plugin's verdict; Skip (from PreFilter/PreScore only) means "this plugin has nothing to say for this pod". */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

/** Status is the outcome of one plugin at one extension point: a code, human reasons, and who said it. */
export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  readonly plugin: string;
}

/** SUCCESS is the one shared success value, so that a passing Filter allocates nothing. */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) as readonly string[], plugin: '' });

/** SKIP is the shared "not relevant for this pod" value PreFilter and PreScore may return. */
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) as readonly string[], plugin: '' });

/** status builds a non-success outcome. */
export function status(code: Code, plugin: string, ...reasons: string[]): Status {
  return { code, reasons, plugin };
}

/** isSuccess tells whether a status lets the pod go on. */
export function isSuccess(s: Status): boolean {
  return s.code === 'Success';
}

let cycles = 0;

/** CycleState carries what a plugin precomputed for the pod being scheduled (PreFilter → Filter, PreScore → Score). */
export class CycleState {
  /**
   * id tells cycles apart, so plugins can stamp per-cycle scratch fields on nodes. It wraps within
   * the int32 stamp columns after 2^31 cycles; a stamp is therefore a hint, checked against the list.
   */
  readonly id = (cycles = cycles >= 0x7fffffff ? 1 : cycles + 1);
  /** placed and placedCount name the slot list whose places this cycle wrote to the columns (see placeSlots). */
  placed: Int32Array | undefined = undefined;
  placedCount = 0;
  private data: Map<string, unknown> | undefined;
  /** write stores a plugin's value under its key for this cycle. */
  write(key: string, value: unknown): void {
    (this.data ??= new Map()).set(key, value);
  }
  /** read gives a value written earlier in this cycle, or undefined. */
  read<T>(key: string): T | undefined {
    return this.data?.get(key) as T | undefined;
  }
}

/** placeOf is slot's place in the list placeSlots last wrote for this cycle, or -1 when it is not in it. */
export function placeOf(state: CycleState, cols: NodeColumns, slot: number): number {
  if (slot < 0 || cols.stamp[slot] !== state.id) return -1;
  const p = cols.pos[slot]!;
  return p < state.placedCount && state.placed![p] === slot ? p : -1;
}

/**
 * placeSlots writes the place of each of slots[0..count) to cols.pos and stamps it with the cycle
 * (cols.stamp), so a plugin can go from a node to its place in the list; once per cycle and list
 * (the framework does it for the feasible list as it builds it).
 */
export function placeSlots(state: CycleState, cols: NodeColumns, slots: Int32Array, count: number): void {
  if (state.placed === slots && state.placedCount === count) return;
  const { stamp, pos } = cols;
  const id = state.id;
  for (let i = 0; i < count; i++) {
    const s = slots[i]!;
    stamp[s] = id;
    pos[s] = i;
  }
  state.placed = slots;
  state.placedCount = count;
}

/** Plugin is what every plugin has: a name used in statuses and in the config's weights. */
export interface Plugin {
  readonly name: string;
}

/** PreFilterPlugin looks at the pod once per cycle; returning SKIP drops its Filter for this pod. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo): Status;
}

/** Reject receives the slot of a node a filter turned down, with the reason. */
export type Reject = (slot: number, s: Status) => void;

/**
 * FilterPlugin decides whether one node can hold the pod; it must be pure and allocation-free when
 * it passes. `filterMany` is the same decision over a batch of node slots, reading the snapshot's
 * columns — one call per batch instead of one per node keeps the hot loop tight and monomorphic.
 */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
  /** filterMany keeps the slots of slots[0..count) that pass, in order, at the front; returns how many; reports the others to reject. */
  filterMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject): number;
}

/**
 * filterFlagged is filterMany for a filter that passes every node whose `flag` bit is set
 * (passWhenSet) or clear (otherwise) without looking further: those are kept at a glance, the
 * others are asked `plugin.filter`, so the batch path cannot disagree with the per-node one; when
 * every node in the columns passes at a glance, the batch is kept whole without a pass.
 */
export function filterFlagged(
  plugin: FilterPlugin, flag: number, passWhenSet: boolean,
  state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, reject: Reject,
): number {
  if (passWhenSet ? cols.allWith(flag) : cols.noneWith(flag)) return count;
  const flags = cols.flags;
  const pass = passWhenSet ? flag : 0;
  let k = 0;
  for (let i = 0; i < count; i++) {
    const s = slots[i]!;
    if ((flags[s]! & flag) === pass) {
      slots[k++] = s;
      continue;
    }
    const st = plugin.filter(state, pod, cols.info(s));
    if (st === SUCCESS) slots[k++] = s;
    else reject(s, st);
  }
  return k;
}

/** PreScorePlugin looks at the pod and the feasible slots[0..count) once; returning SKIP drops its Score for this pod. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number): Status;
}

/** ScorePlugin ranks a feasible node; raw scores are normalised to 0..100 (by `normalize` when present) then weighted. */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** scoreMany writes the raw score of the node in each of slots[0..count) to out[0..count). */
  scoreMany(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, out: Float64Array): void;
  /** normalize rewrites `scores[0..count)` in place to 0..100. */
  normalize?(state: CycleState, pod: PodInfo, scores: Float64Array, count: number): void;
  /**
   * addWeighted, when present, adds `weight` × the normalised score of the node in each of
   * slots[0..count) to total[0..count) in one pass: exactly what scoreMany, normalize and
   * `total[i] += out[i] * weight` give, without the buffer and the extra passes.
   */
  addWeighted?(state: CycleState, pod: PodInfo, cols: NodeColumns, slots: Int32Array, count: number, weight: number, total: Float64Array): void;
}

/** MAX_NODE_SCORE is the top of the normalised score range, as in Kubernetes. */
export const MAX_NODE_SCORE = 100;

/** defaultNormalize scales scores to 0..MAX by the maximum (reverse: fewer is better), like Kubernetes' DefaultNormalizeScore. */
export function defaultNormalize(scores: Float64Array, count: number, reverse: boolean): void {
  let max = 0;
  for (let i = 0; i < count; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === 0) {
    if (reverse) for (let i = 0; i < count; i++) scores[i] = MAX_NODE_SCORE;
    return;
  }
  for (let i = 0; i < count; i++) {
    const v = scores[i]!;
    const s = v === 0 ? 0 : Math.floor((MAX_NODE_SCORE * v) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
