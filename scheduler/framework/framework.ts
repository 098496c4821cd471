/**
 * Framework runs the plugins for one pod over the node snapshot: PreFilter once, Filter per node
 * (starting where the last cycle stopped, and stopping once enough feasible nodes are found, like
 * Kubernetes' percentageOfNodesToScore), PreScore once, Score per feasible node, normalisation,
 * weights, and the pick of the best node with a random choice among equals. It does no I/O and is
 * synchronous, so the cache cannot change under it.
 */
import type { NodeInfo } from '../node-info.js';
import { Snapshot } from '../snapshot.js';
import type { NodeColumns } from '../node-columns.js';
import type { PodInfo } from '../pod-info.js';
import { failureSummary } from '../summary.js';
import { DEFAULT_SCORE_WEIGHTS, type ScorePluginName } from '../config.js';
import { NodeUnschedulable } from '../plugins/node-unschedulable.js';
import { TaintToleration } from '../plugins/taint-toleration.js';
import { NodeAffinity } from '../plugins/node-affinity.js';
import { NodePorts } from '../plugins/node-ports.js';
import { NodeResourcesFit } from '../plugins/node-resources-fit.js';
import { NodeResourcesLeastAllocated } from '../plugins/least-allocated.js';
import { NodeResourcesBalancedAllocation } from '../plugins/balanced-allocation.js';
import { SelectorSpread } from '../plugins/selector-spread.js';
import { CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from './types.js';

/** BATCH is how many nodes go through the filters per round (one call per plugin per round). */
const BATCH = 128;

/** MIN_FEASIBLE_NODES_TO_FIND is the floor of nodes Filter looks for before it stops early (Kubernetes' 100). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** MIN_PERCENTAGE_OF_NODES_TO_SCORE is the adaptive share's floor (5%). */
export const MIN_PERCENTAGE_OF_NODES_TO_SCORE = 5;

/**
 * numFeasibleNodesToFind is how many feasible nodes Filter looks for before it stops: all of them
 * under 100 nodes; otherwise `percentage` of them (0 = adaptive: 50% − nodes/125, at least 5%), at least 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(MIN_PERCENTAGE_OF_NODES_TO_SCORE, 50 - Math.floor(numAllNodes / 125));
  const n = Math.floor((numAllNodes * pct) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

/** ScheduleResult is the decision for one pod: a node, or why none fits. */
export type ScheduleResult =
  | { kind: 'Scheduled'; nodeName: string; evaluatedNodes: number; feasibleNodes: number }
  | { kind: 'Unschedulable'; message: string; numAllNodes: number; nodeStatuses: ReadonlyMap<string, Status> };

/** FrameworkOptions choose weights, the share of nodes to score and the random source for ties. */
export interface FrameworkOptions {
  scoreWeights?: Partial<Record<ScorePluginName, number>>;
  percentageOfNodesToScore?: number;
  /** random gives [0,1); tests pass a seeded one. */
  random?: () => number;
}

interface WeightedScore {
  plugin: ScorePlugin;
  weight: number;
  buf: Float64Array;
}

/** Framework is the scheduling algorithm with its plugins; one per scheduler, used serially. */
export class Framework {
  readonly preFilters: PreFilterPlugin[];
  readonly filters: FilterPlugin[];
  readonly preScores: PreScorePlugin[];
  private readonly scores: WeightedScore[];
  private readonly percentage: number;
  private readonly random: () => number;
  private nextStartNodeIndex = 0;
  private feasible = new Int32Array(0);
  private readonly batch = new Int32Array(BATCH);
  private readonly skippedScores = new Set<string>();
  private readonly skippedFilters = new Set<string>();
  private readonly activeFilters: FilterPlugin[] = [];
  private failed: Map<string, Status> | undefined;
  private failedCols: NodeColumns | undefined;
  /** reject records a node a filter turned down, for the failure summary; made once, not per cycle. */
  private readonly reject = (slot: number, s: Status): void => {
    (this.failed ??= new Map()).set(this.failedCols!.info(slot).name, s);
  };
  private total = new Float64Array(0);
  /** tiesAt lists, in order, the places holding the best total. */
  private tiesAt = new Int32Array(0);

  constructor(opts: FrameworkOptions = {}) {
    const nodeUnschedulable = new NodeUnschedulable();
    const taints = new TaintToleration();
    const affinity = new NodeAffinity();
    const ports = new NodePorts();
    const fit = new NodeResourcesFit();
    this.preFilters = [affinity, ports, fit];
    this.filters = [nodeUnschedulable, taints, affinity, ports, fit];
    const spread = new SelectorSpread();
    this.preScores = [affinity, spread, taints];
    const weights = { ...DEFAULT_SCORE_WEIGHTS, ...(opts.scoreWeights ?? {}) };
    const all: ScorePlugin[] = [new NodeResourcesLeastAllocated(), new NodeResourcesBalancedAllocation(), spread, affinity, taints];
    this.scores = all
      .map((plugin) => ({ plugin, weight: weights[plugin.name as ScorePluginName] ?? 0, buf: new Float64Array(0) }))
      .filter((s) => s.weight > 0);
    this.percentage = opts.percentageOfNodesToScore ?? 0;
    this.random = opts.random ?? Math.random;
  }

  /**
   * schedule picks a node for the pod in a snapshot (or among standalone NodeInfos, which it puts
   * into a fresh snapshot for this call: tests), or explains why none fits; it never throws for a misfit.
   */
  schedule(pod: PodInfo, where: Snapshot | readonly NodeInfo[]): ScheduleResult {
    const snapshot = where instanceof Snapshot ? where : Snapshot.from(where);
    const nodes = snapshot.nodes();
    const order = snapshot.slots();
    const cols = snapshot.cols;
    const n = nodes.length;
    if (n === 0) return { kind: 'Unschedulable', message: failureSummary(0, []), numAllNodes: 0, nodeStatuses: new Map() };
    const state = new CycleState();

    // PreFilter: the pod alone. Skip drops that plugin's Filter; a rejection rejects every node.
    const skipped = this.skippedFilters;
    skipped.clear();
    for (const p of this.preFilters) {
      const s = p.preFilter(state, pod);
      if (s.code === 'Skip') skipped.add(p.name);
      else if (s.code !== 'Success') {
        const msg = failureSummary(n, [], s.reasons.join(', '));
        return { kind: 'Unschedulable', message: msg, numAllNodes: n, nodeStatuses: new Map(nodes.map((ni) => [ni.name, s])) };
      }
    }
    const filters = this.activeFilters;
    filters.length = 0;
    for (const f of this.filters) if (!skipped.has(f.name)) filters.push(f);

    // Filter: from where the last cycle stopped, in batches, until enough feasible nodes are found.
    const want = numFeasibleNodesToFind(n, this.percentage);
    if (this.feasible.length < n) this.feasible = new Int32Array(n);
    const feasible = this.feasible;
    const batch = this.batch;
    let found = 0;
    let processed = 0;
    this.failed = undefined;
    this.failedCols = cols;
    const reject = this.reject;
    const start = this.nextStartNodeIndex % n;
    const nf = filters.length;
    const { stamp, pos } = cols;
    const id = state.id;
    while (processed < n && found < want) {
      const size = Math.min(BATCH, n - processed, want - found);
      // Copy the next `size` slots in rotating order (at most two runs of the order array).
      let from = start + processed;
      if (from >= n) from -= n;
      // Plain loops, not set(subarray()): a subarray is an object allocated per batch.
      const firstRun = Math.min(size, n - from);
      for (let j = 0; j < firstRun; j++) batch[j] = order[from + j]!;
      for (let j = firstRun; j < size; j++) batch[j] = order[j - firstRun]!;
      let k = size;
      for (let f = 0; f < nf && k > 0; f++) k = filters[f]!.filterMany(state, pod, cols, batch, k, reject);
      // Keep the feasible ones and write their places (placeSlots' work, done in this pass).
      for (let j = 0; j < k; j++) {
        const s = batch[j]!;
        feasible[found + j] = s;
        stamp[s] = id;
        pos[s] = found + j;
      }
      found += k;
      processed += size;
    }
    state.placed = feasible;
    state.placedCount = found;
    this.nextStartNodeIndex = (start + processed) % n;
    const failed = this.failed as Map<string, Status> | undefined;
    this.failed = undefined;
    if (found === 0) {
      const statuses = failed ?? new Map<string, Status>();
      return { kind: 'Unschedulable', message: failureSummary(n, statuses.values()), numAllNodes: n, nodeStatuses: statuses };
    }
    if (found === 1) return { kind: 'Scheduled', nodeName: cols.info(feasible[0]!).name, evaluatedNodes: processed, feasibleNodes: 1 };

    // Score: each plugin into its own buffer, normalised, then weighted into the total.
    const skippedScores = this.skippedScores;
    skippedScores.clear();
    for (const p of this.preScores) if (p.preScore(state, pod, cols, feasible, found).code === 'Skip') skippedScores.add(p.name);
    if (this.total.length < found) this.total = new Float64Array(n);
    const total = this.total;
    // Each plugin adds its weighted, normalised scores to the total, in one pass when it can
    // (addWeighted), else through its own buffer; then one pass finds the best total and its ties.
    total.fill(0, 0, found);
    for (const ws of this.scores) {
      if (skippedScores.has(ws.plugin.name)) continue;
      const w = ws.weight;
      if (ws.plugin.addWeighted) {
        ws.plugin.addWeighted(state, pod, cols, feasible, found, w, total);
        continue;
      }
      if (ws.buf.length < found) ws.buf = new Float64Array(n);
      const buf = ws.buf;
      ws.plugin.scoreMany(state, pod, cols, feasible, found, buf);
      ws.plugin.normalize?.(state, pod, buf, found);
      for (let i = 0; i < found; i++) total[i] = total[i]! + buf[i]! * w;
    }
    if (this.tiesAt.length < found) this.tiesAt = new Int32Array(n);
    const tiesAt = this.tiesAt;
    let max = -Infinity;
    let ties = 0;
    for (let i = 0; i < found; i++) {
      const t = total[i]!;
      if (t > max) {
        max = t;
        ties = 0;
        tiesAt[ties++] = i;
      } else if (t === max) tiesAt[ties++] = i;
    }

    // Select: the highest total; among equals one at random, so equal nodes share the load.
    const best = tiesAt[ties === 1 ? 0 : Math.floor(this.random() * ties)]!;
    return { kind: 'Scheduled', nodeName: cols.info(feasible[best]!).name, evaluatedNodes: processed, feasibleNodes: found };
  }
}
