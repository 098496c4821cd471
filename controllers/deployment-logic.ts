/**
 * The Deployment controller's decisions as pure functions over (deployment, its ReplicaSets):
 * which ReplicaSet carries the current template (by pod-template-hash), how far RollingUpdate may
 * surge and scale down (maxSurge, maxUnavailable), Recreate's two phases, revisions, and status.
 * The controller only applies the ReplicaSet sizes these functions return.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, PodTemplateSpec, ReplicaSet } from '../api/types.js';

/** POD_TEMPLATE_HASH is the label that ties a ReplicaSet and its pods to one template. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** REVISION_ANNOTATION numbers a ReplicaSet's place in the rollout history. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** stableStringify serialises with sorted keys so equal templates hash equally. */
function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** podTemplateHash is a short, label-safe FNV-1a hash of a template (without its own hash label). */
export function podTemplateHash(template: Readonly<PodTemplateSpec>): string {
  const t = structuredClone(template) as PodTemplateSpec;
  if (t.metadata?.labels) delete t.metadata.labels[POD_TEMPLATE_HASH];
  const s = stableStringify(t);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Like Kubernetes' SafeEncodeString: each digit of the hash mapped into an alphabet without vowels.
  return String(h)
    .split('')
    .map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length])
    .join('');
}

/** templatesEqual compares two templates ignoring the pod-template-hash label. */
export function templatesEqual(a: Readonly<PodTemplateSpec>, b: Readonly<PodTemplateSpec>): boolean {
  return podTemplateHash(a) === podTemplateHash(b);
}

/** revisionOf reads a ReplicaSet's revision annotation (0 when absent). */
export function revisionOf(rs: Readonly<ReplicaSet>): number {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

/** findNewReplicaSet returns the ReplicaSet whose template equals the deployment's, if any. */
export function findNewReplicaSet(d: Readonly<Deployment>, sets: readonly Readonly<ReplicaSet>[]): Readonly<ReplicaSet> | undefined {
  const hash = podTemplateHash(d.spec.template);
  return sets.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === hash) ?? sets.find((rs) => templatesEqual(rs.spec.template, d.spec.template));
}

/** newReplicaSetFor builds the ReplicaSet for the deployment's current template at `revision`. */
export function newReplicaSetFor(d: Readonly<Deployment>, revision: number, replicas: number): ReplicaSet {
  const hash = podTemplateHash(d.spec.template);
  const template = structuredClone(d.spec.template) as PodTemplateSpec;
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
  const selector = structuredClone(d.spec.selector);
  selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...template.metadata.labels },
      annotations: { [REVISION_ANNOTATION]: String(revision) },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: { replicas, minReadySeconds: d.spec.minReadySeconds, selector, template },
  };
}

/** resolveIntOrPercent turns 3 or "25%" of `total` into a count, rounding up or down. */
export function resolveIntOrPercent(v: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const value = v ?? fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    const n = Number(value);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value ${JSON.stringify(value)}: must be an integer or a percentage`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** surgeAndUnavailable resolves RollingUpdate's bounds; both zero would deadlock, so unavailable becomes 1. */
export function surgeAndUnavailable(d: Readonly<Deployment>): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate;
  const maxSurge = resolveIntOrPercent(ru?.maxSurge, replicas, true, '25%');
  let maxUnavailable = resolveIntOrPercent(ru?.maxUnavailable, replicas, false, '25%');
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

/** ReplicaSetSizes maps ReplicaSet name → the spec.replicas it should have after this step. */
export type ReplicaSetSizes = Map<string, number>;

const specReplicas = (rs: Readonly<ReplicaSet>) => rs.spec.replicas ?? 0;
// A ReplicaSet just scaled down still reports the pods it is deleting as available until its status
// catches up; counting past spec.replicas would let the next step cut into availability again.
const available = (rs: Readonly<ReplicaSet>) => Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs));

/**
 * rollingUpdateStep is one step of RollingUpdate: grow the new ReplicaSet while the total stays
 * within replicas + maxSurge, then shrink old ones (oldest first) while available pods stay at least
 * replicas − maxUnavailable. Old pods that are not available may always go first.
 */
export function rollingUpdateStep(d: Readonly<Deployment>, newRS: Readonly<ReplicaSet>, oldRSs: readonly Readonly<ReplicaSet>[]): ReplicaSetSizes {
  const replicas = d.spec.replicas ?? 1;
  const { maxSurge, maxUnavailable } = surgeAndUnavailable(d);
  const sizes: ReplicaSetSizes = new Map();
  const all = [newRS, ...oldRSs];
  const total = all.reduce((n, rs) => n + specReplicas(rs), 0);

  // Scale the new ReplicaSet up (or down when replicas shrank).
  let newSize = specReplicas(newRS);
  if (newSize > replicas) newSize = replicas;
  else if (newSize < replicas) {
    const room = replicas + maxSurge - total;
    if (room > 0) newSize += Math.min(room, replicas - newSize);
  }
  sizes.set(newRS.metadata.name!, newSize);

  // Scale old ReplicaSets down, never below minAvailable available pods.
  const minAvailable = replicas - maxUnavailable;
  const totalAfterNew = total - specReplicas(newRS) + newSize;
  const newUnavailable = Math.max(0, newSize - available(newRS));
  let budget = totalAfterNew - minAvailable - newUnavailable;
  const oldest = [...oldRSs].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  // First the unavailable old pods: removing them costs no availability.
  for (const rs of oldest) {
    const unhealthy = Math.max(0, specReplicas(rs) - available(rs));
    const cut = Math.max(0, Math.min(unhealthy, budget));
    sizes.set(rs.metadata.name!, specReplicas(rs) - cut);
    budget -= cut;
  }
  // Then healthy old pods, as far as total availability allows.
  const totalAvailable = all.reduce((n, rs) => n + available(rs), 0);
  let healthyBudget = totalAvailable - minAvailable;
  for (const rs of oldest) {
    const cur = sizes.get(rs.metadata.name!)!;
    const cut = Math.max(0, Math.min(cur, healthyBudget));
    sizes.set(rs.metadata.name!, cur - cut);
    healthyBudget -= cut;
  }
  return sizes;
}

/**
 * recreateStep is Recreate: old ReplicaSets to zero first; the new one grows only once no old pod
 * is left (`oldPodsRunning` counts old pods that still exist).
 */
export function recreateStep(d: Readonly<Deployment>, newRS: Readonly<ReplicaSet>, oldRSs: readonly Readonly<ReplicaSet>[], oldPodsRunning: number): ReplicaSetSizes {
  const sizes: ReplicaSetSizes = new Map();
  for (const rs of oldRSs) sizes.set(rs.metadata.name!, 0);
  sizes.set(newRS.metadata.name!, oldPodsRunning > 0 ? specReplicas(newRS) : d.spec.replicas ?? 1);
  return sizes;
}

/** historyToPrune lists old, empty ReplicaSets beyond revisionHistoryLimit, oldest first. */
export function historyToPrune(d: Readonly<Deployment>, oldRSs: readonly Readonly<ReplicaSet>[]): Readonly<ReplicaSet>[] {
  const limit = d.spec.revisionHistoryLimit ?? 10;
  const empty = oldRSs
    .filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0)
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  return empty.slice(0, Math.max(0, empty.length - limit));
}

/** deploymentStatus sums the ReplicaSets' counts and sets the Available and Progressing conditions. */
export function deploymentStatus(d: Readonly<Deployment>, newRS: Readonly<ReplicaSet> | undefined, all: readonly Readonly<ReplicaSet>[], now: string): DeploymentStatus {
  const replicas = d.spec.replicas ?? 1;
  const sum = (f: (rs: Readonly<ReplicaSet>) => number) => all.reduce((n, rs) => n + f(rs), 0);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: sum((rs) => rs.status?.availableReplicas ?? 0),
  };
  status.unavailableReplicas = Math.max(0, replicas - (status.availableReplicas ?? 0));
  const { maxUnavailable } = d.spec.strategy?.type === 'Recreate' ? { maxUnavailable: replicas } : surgeAndUnavailable(d);
  const isAvailable = (status.availableReplicas ?? 0) >= replicas - maxUnavailable;
  const complete = status.updatedReplicas === replicas && status.replicas === replicas && status.availableReplicas === replicas;
  const prev = d.status?.conditions ?? [];
  const cond = (type: DeploymentCondition['type'], ok: boolean, reason: string, message: string): DeploymentCondition => {
    const old = prev.find((c) => c.type === type);
    const s = ok ? 'True' : 'False';
    return { type, status: s, reason, message, lastUpdateTime: now, lastTransitionTime: old && old.status === s ? old.lastTransitionTime : now };
  };
  status.conditions = [
    cond('Available', isAvailable, isAvailable ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      isAvailable ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.'),
    cond('Progressing', true, complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
      complete ? `ReplicaSet "${newRS?.metadata.name}" has successfully progressed.` : `ReplicaSet "${newRS?.metadata.name ?? ''}" is progressing.`),
  ];
  return status;
}

/** deploymentStatusEqual ignores condition timestamps so an unchanged status is not rewritten. */
export function deploymentStatusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  if (!a) return false;
  const strip = (s: DeploymentStatus) =>
    JSON.stringify({ ...s, conditions: (s.conditions ?? []).map(({ type, status, reason }) => ({ type, status, reason })) });
  return strip(a) === strip(b);
}
