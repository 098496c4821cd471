/**
 * NodeAffinity: the pod's nodeSelector and its required node affinity filter nodes by their labels;
 * its preferred node affinity scores them (the sum of the weights of the matching preferences,
 * normalised by the best node).
 */
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { matchesAnyTerm, matchesNodeSelector, matchesTerm } from '../node-selector.js';
import {
  type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status,
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

  preFilter(_state: CycleState, pod: PodInfo): Status {
    const spec = pod.pod.spec;
    const hasSelector = spec.nodeSelector !== undefined && Object.keys(spec.nodeSelector).length > 0;
    const hasRequired = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined;
    return hasSelector || hasRequired ? SUCCESS : SKIP;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return nodeMatchesPod(pod, node.labels) ? SUCCESS : status('UnschedulableAndUnresolvable', this.name, REASON_AFFINITY);
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

  normalize(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    defaultNormalize(scores, count, false);
  }
}
NodeAffinity satisfies new () => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
