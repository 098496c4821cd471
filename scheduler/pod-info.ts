/**
 * PodInfo: a pod with everything the scheduler needs precomputed once, when the pod enters the queue
 * or the cache — its cpu/memory requests as numbers, its host ports, its owner — so that Filter and
 * Score compare numbers instead of parsing quantities per node.
 */
import { parseBytes, parseMilli } from '../api/quantity.js';
import type { Pod, ResourceList } from '../api/types.js';

/** DEFAULT_MILLI_CPU_REQUEST is the cpu a pod without requests counts as when scoring (not fitting), as in Kubernetes. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** DEFAULT_MEMORY_REQUEST is the memory a pod without requests counts as when scoring (200 MiB), as in Kubernetes. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** HostPort is one port a pod reserves on its node. */
export interface HostPort {
  readonly protocol: string;
  readonly port: number;
  readonly hostIP: string;
}

/** PodInfo is a pod plus its scheduling numbers; immutable, rebuilt when the pod changes. */
export interface PodInfo {
  /** key is "namespace/name". */
  readonly key: string;
  readonly pod: Readonly<Pod>;
  /** cpu is the sum of the containers' cpu requests (limits when a request is absent), in millicores. */
  readonly cpu: number;
  /** memory is the sum of the containers' memory requests (limits when absent), in bytes. */
  readonly memory: number;
  /** nonZeroCpu/nonZeroMemory count an unset request as the defaults, for scoring only. */
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  /** ownerUid is the uid of the controlling owner (a ReplicaSet), for spreading. */
  readonly ownerUid: string | undefined;
  readonly priority: number;
  /** invalid explains why the pod's resources could not be read (a bad quantity), or is undefined. */
  readonly invalid: string | undefined;
  /** signature is resourceSignature(pod), so a new version of the pod can reuse these numbers. */
  readonly signature: string;
}

/** podKey is the queue and cache key of a pod: "namespace/name". */
export function podKey(pod: Readonly<Pod>): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/** PodResources is what a pod asks of a node, in base numbers. */
export interface PodResources {
  cpu: number;
  memory: number;
  nonZeroCpu: number;
  nonZeroMemory: number;
}

function pick(requests: ResourceList | undefined, limits: ResourceList | undefined, name: string): string | undefined {
  return requests?.[name] ?? limits?.[name];
}

/** podResources sums the containers' requests, falling back to limits per resource like Kubernetes' defaulting; throws on a bad quantity. */
export function podResources(pod: Readonly<Pod>): PodResources {
  const r: PodResources = { cpu: 0, memory: 0, nonZeroCpu: 0, nonZeroMemory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const cpuText = pick(c.resources?.requests, c.resources?.limits, 'cpu');
    const memText = pick(c.resources?.requests, c.resources?.limits, 'memory');
    const cpu = cpuText === undefined ? 0 : parseMilli(cpuText);
    const mem = memText === undefined ? 0 : parseBytes(memText);
    r.cpu += cpu;
    r.memory += mem;
    r.nonZeroCpu += cpuText === undefined ? DEFAULT_MILLI_CPU_REQUEST : cpu;
    r.nonZeroMemory += memText === undefined ? DEFAULT_MEMORY_REQUEST : mem;
  }
  return r;
}

/** podHostPorts lists the host ports a pod's containers reserve. */
export function podHostPorts(pod: Readonly<Pod>): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) out.push({ protocol: p.protocol ?? 'TCP', port: p.hostPort, hostIP: '0.0.0.0' });
    }
  }
  return out;
}

/** controllerUid is the uid of a pod's controlling owner reference, if any. */
export function controllerUid(pod: Readonly<Pod>): string | undefined {
  const refs = pod.metadata.ownerReferences ?? [];
  return (refs.find((r) => r.controller) ?? refs[0])?.uid;
}

/** newPodInfo precomputes a pod's scheduling numbers; a bad quantity yields a PodInfo with `invalid` set, not an exception. */
export function newPodInfo(pod: Readonly<Pod>): PodInfo {
  let res: PodResources = { cpu: 0, memory: 0, nonZeroCpu: 0, nonZeroMemory: 0 };
  let invalid: string | undefined;
  try {
    res = podResources(pod);
  } catch (err) {
    invalid = `invalid resources: ${err instanceof Error ? err.message : String(err)}`;
  }
  return {
    key: podKey(pod),
    pod,
    cpu: res.cpu,
    memory: res.memory,
    nonZeroCpu: res.nonZeroCpu,
    nonZeroMemory: res.nonZeroMemory,
    hostPorts: podHostPorts(pod),
    ownerUid: controllerUid(pod),
    priority: pod.spec?.priority ?? 0,
    invalid,
    signature: resourceSignature(pod),
  };
}

/**
 * updatePodInfo gives the PodInfo of a new version of a pod, reusing the numbers of the previous
 * version when it is the same pod (same uid): a pod's containers and their resources do not change
 * after creation, so a status update or a binding needs no quantity parsing.
 */
export function updatePodInfo(prev: PodInfo | undefined, pod: Readonly<Pod>): PodInfo {
  if (!prev || !prev.pod.metadata.uid || prev.pod.metadata.uid !== pod.metadata.uid) return newPodInfo(pod);
  const signature = resourceSignature(pod);
  if (signature !== prev.signature) return newPodInfo(pod);
  return { ...prev, pod, priority: pod.spec?.priority ?? 0, ownerUid: controllerUid(pod) };
}

/** resourceSignature is the text of everything PodInfo's numbers come from (requests, limits, host ports), to tell when they change. */
export function resourceSignature(pod: Readonly<Pod>): string {
  let sig = '';
  for (const c of pod.spec?.containers ?? []) {
    const r = c.resources;
    sig += `${r?.requests?.cpu ?? ''}|${r?.requests?.memory ?? ''}|${r?.limits?.cpu ?? ''}|${r?.limits?.memory ?? ''}|`;
    for (const p of c.ports ?? []) if (p.hostPort) sig += `${p.protocol ?? 'TCP'}/${p.hostPort},`;
    sig += ';';
  }
  return sig;
}

/** isTerminal tells whether a pod has finished (Succeeded/Failed) and so no longer holds node resources. */
export function isTerminal(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
