/**
 * The failure summary shown as a FailedScheduling event and by `describe pod`, in kubectl's words:
 * "0/3 nodes are available: 2 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector."
 * Each node contributes the reasons of the filter that rejected it; equal reasons are counted and the
 * counted reasons are ordered by their text.
 */
import type { Status } from './framework/types.js';

/** NO_NODES_MESSAGE is what the scheduler says when the cluster has no nodes at all (Kubernetes' ErrNoNodesAvailable). */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

/** reasonHistogram counts each reason over the rejected nodes' statuses. */
export function reasonHistogram(statuses: Iterable<Pick<Status, 'reasons'>>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * failureSummary is the pure text of a scheduling failure over `numAllNodes` nodes: either the
 * PreFilter message (the pod itself was rejected) or the counted per-node reasons.
 */
export function failureSummary(numAllNodes: number, statuses: Iterable<Pick<Status, 'reasons'>>, preFilterMessage?: string): string {
  if (numAllNodes === 0) return NO_NODES_MESSAGE;
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMessage) return `${msg} ${preFilterMessage}.`;
  const counts = reasonHistogram(statuses);
  const parts = [...counts.keys()].sort(byText).map((reason) => `${counts.get(reason)} ${reason}`);
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  return msg;
}
