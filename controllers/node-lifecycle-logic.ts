/**
 * The node lifecycle controller's decisions as pure functions: when a node's heartbeats are too
 * old (NotReady, tainted unreachable), when its pods are evicted, and when it has come back.
 */
import type { Lease, Node, NodeCondition, Taint } from '../api/types.js';

/** NODE_MONITOR_GRACE_MS: heartbeats older than this make a node NotReady (Kubernetes: 40 s). */
export const NODE_MONITOR_GRACE_MS = 40_000;
/** POD_EVICTION_TIMEOUT_MS: pods on an unreachable node are evicted after this long. */
export const POD_EVICTION_TIMEOUT_MS = 60_000;
/** UNREACHABLE_TAINT_KEY is the taint Kubernetes puts on a node that stopped reporting. */
export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';

/** lastHeartbeat is the newest of the node lease's renewTime and the Ready condition's heartbeat (ms), or NaN. */
export function lastHeartbeat(node: Readonly<Node>, lease: Readonly<Lease> | undefined): number {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const times = [lease?.spec.renewTime, ready?.lastHeartbeatTime, node.metadata.creationTimestamp]
    .filter((t): t is string => !!t)
    .map((t) => Date.parse(t))
    .filter((t) => Number.isFinite(t));
  return times.length ? Math.max(...times) : NaN;
}

/** NodeVerdict is what the controller must change on a node, if anything. */
export interface NodeVerdict {
  /** the node's Ready condition to write, when it must change */
  readyCondition?: NodeCondition;
  /** the full taint list to write, when it must change */
  taints?: Taint[];
  /** the time (ms) since which the node has been unreachable, when it is */
  unreachableSince?: number;
}

/** judgeNode compares a node's heartbeats with `now` and says what to write. */
export function judgeNode(node: Readonly<Node>, lease: Readonly<Lease> | undefined, now: number, graceMs = NODE_MONITOR_GRACE_MS): NodeVerdict {
  const beat = lastHeartbeat(node, lease);
  const stale = !Number.isFinite(beat) || now - beat > graceMs;
  const taints = node.spec?.taints ?? [];
  const unreachable = taints.filter((t) => t.key === UNREACHABLE_TAINT_KEY);
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const verdict: NodeVerdict = {};
  const nowIso = new Date(now).toISOString();
  if (stale) {
    if (ready?.status !== 'Unknown') {
      verdict.readyCondition = {
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastHeartbeatTime: ready?.lastHeartbeatTime,
        lastTransitionTime: nowIso,
      };
    }
    if (!unreachable.some((t) => t.effect === 'NoExecute') || !unreachable.some((t) => t.effect === 'NoSchedule')) {
      verdict.taints = [
        ...taints.filter((t) => t.key !== UNREACHABLE_TAINT_KEY),
        { key: UNREACHABLE_TAINT_KEY, effect: 'NoSchedule', timeAdded: nowIso },
        { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute', timeAdded: nowIso },
      ];
    }
    const added = unreachable.find((t) => t.effect === 'NoExecute')?.timeAdded;
    verdict.unreachableSince = added ? Date.parse(added) : now;
  } else if (unreachable.length > 0 && ready?.status === 'True') {
    verdict.taints = taints.filter((t) => t.key !== UNREACHABLE_TAINT_KEY);
  }
  return verdict;
}

/** shouldEvict: pods go once the node has been unreachable for evictionMs (POD_EVICTION_TIMEOUT_MS). */
export function shouldEvict(verdict: NodeVerdict, now: number, evictionMs = POD_EVICTION_TIMEOUT_MS): boolean {
  return verdict.unreachableSince !== undefined && now - verdict.unreachableSince >= evictionMs;
}
