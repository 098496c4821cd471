/**
 * SchedulerCache turns the node and pod informers' events into NodeInfos, and holds the scheduler's
 * assumptions: the moment a pod is decided it counts on its node (assumePod), before the binding is
 * observed; when the informer shows the pod bound the assumption is confirmed (on whatever node the
 * API says), and on a bind conflict or error it is forgotten. Bound pods that finished (Succeeded,
 * Failed) or were deleted stop counting. Node and pod handlers report whether the change may let a
 * waiting pod fit, so the caller can move the unschedulable pods back to the active queue.
 */
import type { Node, Pod } from '../api/types.js';
import { NodeInfo } from './node-info.js';
import { isTerminal, podKey, type PodInfo, updatePodInfo } from './pod-info.js';
import { Snapshot } from './snapshot.js';

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** nodeUpdateMayHelp tells whether a node change can make an unschedulable pod fit (not a mere heartbeat). */
export function nodeUpdateMayHelp(oldNode: Readonly<Node>, newNode: Readonly<Node>): boolean {
  const ready = (n: Readonly<Node>) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return (
    !same(oldNode.status?.allocatable ?? oldNode.status?.capacity, newNode.status?.allocatable ?? newNode.status?.capacity) ||
    (oldNode.spec?.unschedulable ?? false) !== (newNode.spec?.unschedulable ?? false) ||
    ready(oldNode) !== ready(newNode) ||
    !same(oldNode.metadata.labels, newNode.metadata.labels) ||
    !same(oldNode.spec?.taints, newNode.spec?.taints)
  );
}

/** SchedulerCache is the scheduler's view of nodes and of the pods that occupy them. */
export class SchedulerCache {
  readonly snapshot = new Snapshot();
  private readonly infos = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodState>();

  private infoFor(name: string): NodeInfo {
    let info = this.infos.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.infos.set(name, info);
    }
    return info;
  }

  private dropIfEmpty(info: NodeInfo): void {
    if (!info.node && info.pods.size === 0) this.infos.delete(info.name);
  }

  /** setNode adds or updates a node; true when the change may help a waiting pod. */
  setNode(node: Readonly<Node>): boolean {
    const name = node.metadata.name ?? '';
    const info = this.infoFor(name);
    const old = info.node;
    info.setNode(node);
    this.snapshot.set(info);
    return old === undefined || nodeUpdateMayHelp(old, node);
  }

  /** removeNode drops a node from the snapshot; its pods keep their place until they are deleted. */
  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    info.node = undefined;
    info.generation++;
    this.snapshot.delete(name);
    this.dropIfEmpty(info);
  }

  /** nodeInfo gives the aggregate of a node (also of one only known from its pods), for tests and describe. */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.infos.get(name);
  }

  /**
   * setPod records an assigned pod as the informer shows it (added or updated); it confirms an
   * assumption. Returns true when resources were freed (the pod finished or moved).
   */
  setPod(pod: Readonly<Pod>): boolean {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || isTerminal(pod)) return this.removePodKey(key);
    const prev = this.pods.get(key);
    if (prev && !prev.assumed && prev.info.pod === pod) return false;
    const info = updatePodInfo(prev?.info, pod);
    let freed = false;
    if (prev) {
      const prevInfo = this.infos.get(prev.nodeName);
      if (prevInfo) {
        prevInfo.removePod(key);
        freed = prev.nodeName !== nodeName || prev.info.cpu > info.cpu || prev.info.memory > info.memory;
        this.dropIfEmpty(prevInfo);
      }
    }
    this.infoFor(nodeName).addPod(info);
    this.pods.set(key, { info, nodeName, assumed: false });
    return freed;
  }

  /** removePod forgets a pod the informer deleted; true when it held resources on a node. */
  removePod(pod: Readonly<Pod>): boolean {
    return this.removePodKey(podKey(pod));
  }

  private removePodKey(key: string): boolean {
    const prev = this.pods.get(key);
    if (!prev) return false;
    this.pods.delete(key);
    const info = this.infos.get(prev.nodeName);
    if (!info) return false;
    const removed = info.removePod(key);
    this.dropIfEmpty(info);
    return removed;
  }

  /** assumePod counts a decided pod on its node at once; false when the pod is already counted somewhere. */
  assumePod(info: PodInfo, nodeName: string): boolean {
    if (this.pods.has(info.key)) return false;
    this.infoFor(nodeName).addPod(info);
    this.pods.set(info.key, { info, nodeName, assumed: true });
    return true;
  }

  /** forgetPod undoes an assumption after a failed bind; a confirmed pod is left alone. */
  forgetPod(key: string): void {
    const prev = this.pods.get(key);
    if (prev?.assumed) this.removePodKey(key);
  }

  /** isAssumed tells whether a pod is counted by assumption, its binding not yet observed. */
  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  /** isCounted tells whether a pod occupies a node in the cache (assumed or confirmed). */
  isCounted(key: string): boolean {
    return this.pods.has(key);
  }

  /** counts are the cache's sizes, for logs and tests. */
  counts(): { nodes: number; pods: number; assumed: number } {
    let assumed = 0;
    for (const p of this.pods.values()) if (p.assumed) assumed++;
    return { nodes: this.snapshot.size, pods: this.pods.size, assumed };
  }
}
