/**
 * NodeInfo: one node as the scheduler sees it — allocatable cpu (millicores), memory (bytes) and pod
 * slots, parsed once per node update, and the running sums of what its pods request (bound pods that
 * are not finished, plus pods the scheduler has assumed there). Filter and Score read these numbers
 * directly; nothing is recomputed per decision.
 */
import { parseBytes, parseMilli } from '../api/quantity.js';
import type { Node, Taint } from '../api/types.js';
import type { NodeColumns } from './node-columns.js';
import type { PodInfo } from './pod-info.js';

/** DEFAULT_MAX_PODS is the pod slots of a node that reports no `pods` allocatable (the kubelet's default). */
export const DEFAULT_MAX_PODS = 110;

/**
 * OwnerNodes is one owner's nodes and how many of its pods each holds, in two parallel arrays, so
 * spreading walks them with plain indexed loads (a Map's entries iterator makes an array per entry).
 */
export class OwnerNodes {
  /** nodes[i] holds counts[i] (> 0) pods of the owner; the order is arbitrary. */
  readonly nodes: NodeInfo[] = [];
  readonly counts: number[] = [];
  private readonly at = new Map<NodeInfo, number>();

  /** get gives how many pods of the owner `node` holds, or undefined for none. */
  get(node: NodeInfo): number | undefined {
    const i = this.at.get(node);
    return i === undefined ? undefined : this.counts[i];
  }

  /** size is the number of nodes holding pods of the owner. */
  get size(): number {
    return this.nodes.length;
  }

  /** add counts `n` more pods on `node` (n may be negative); a node left with none is dropped. */
  add(node: NodeInfo, n: number): void {
    const i = this.at.get(node);
    if (i === undefined) {
      if (n <= 0) return;
      this.at.set(node, this.nodes.length);
      this.nodes.push(node);
      this.counts.push(n);
      return;
    }
    const c = this.counts[i]! + n;
    if (c > 0) {
      this.counts[i] = c;
      return;
    }
    // Swap the last entry into the freed place.
    const last = this.nodes.length - 1;
    const moved = this.nodes[last]!;
    this.nodes[i] = moved;
    this.counts[i] = this.counts[last]!;
    this.at.set(moved, i);
    this.nodes.pop();
    this.counts.pop();
    this.at.delete(node);
  }
}

/**
 * OwnerIndex maps an owner uid to the nodes holding its pods and how many, across a snapshot, so
 * spreading visits only the nodes an owner uses instead of looking the owner up on every node.
 */
export class OwnerIndex {
  private readonly byOwner = new Map<string, OwnerNodes>();

  /** add counts `n` more pods of `owner` on `node` (n may be negative). */
  add(owner: string, node: NodeInfo, n: number): void {
    let m = this.byOwner.get(owner);
    if (!m) {
      if (n <= 0) return;
      m = new OwnerNodes();
      this.byOwner.set(owner, m);
    }
    m.add(node, n);
    if (m.size === 0) this.byOwner.delete(owner);
  }

  /** nodesOf gives the nodes holding pods of `owner`, with their counts. */
  nodesOf(owner: string): OwnerNodes | undefined {
    return this.byOwner.get(owner);
  }
}

/** sameLabels tells whether two label sets hold the same pairs (every node update brings a new object). */
function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (b[k] !== a[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** NodeInfo is the mutable per-node aggregate the scheduler cache keeps; plugins only read it. */
export class NodeInfo {
  readonly name: string;
  /** node is undefined while only pods name this node and the Node object has not been seen. */
  node: Readonly<Node> | undefined;
  allocCpu = 0;
  allocMemory = 0;
  allocPods = 0;
  labels: Readonly<Record<string, string>> = {};
  /** hardTaints are the NoSchedule and NoExecute taints (they filter); softTaints are PreferNoSchedule (they score). */
  hardTaints: readonly Taint[] = [];
  softTaints: readonly Taint[] = [];
  unschedulable = false;
  ready = false;
  /** invalid names an allocatable quantity that did not parse, or is undefined. */
  invalid: string | undefined;

  reqCpu = 0;
  reqMemory = 0;
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  podCount = 0;
  /** usedPorts counts host port reservations by "PROTOCOL/port". */
  readonly usedPorts = new Map<string, number>();
  /** ownerCounts counts this node's pods by controlling owner uid, for spreading. */
  readonly ownerCounts = new Map<string, number>();
  readonly pods = new Map<string, PodInfo>();
  /** generation increases on every change, so tests and the cache can tell a node moved. */
  generation = 0;
  /** index is the snapshot-wide owner index this node reports to, while it is in a snapshot. */
  private index: OwnerIndex | undefined;
  /** cols and slot: where this node's numbers are mirrored while it is in a snapshot (slot -1 otherwise). */
  private cols: NodeColumns | undefined;
  slot = -1;

  constructor(name: string, node?: Readonly<Node>) {
    this.name = name;
    if (node) this.setNode(node);
  }

  /** ownerIndex is the index this node reports to, if any. */
  get ownerIndex(): OwnerIndex | undefined {
    return this.index;
  }

  /** attach puts this node into a snapshot's columns and owner index (detaching it from any other). */
  attach(cols: NodeColumns, index: OwnerIndex): void {
    this.detach();
    this.cols = cols;
    this.slot = cols.alloc(this);
    this.index = index;
    for (const [owner, n] of this.ownerCounts) index.add(owner, this, n);
  }

  /** detach takes this node out of its snapshot's columns and owner index. */
  detach(): void {
    if (this.cols) this.cols.release(this.slot);
    for (const [owner, n] of this.ownerCounts) this.index?.add(owner, this, -n);
    this.cols = undefined;
    this.index = undefined;
    this.slot = -1;
  }

  private sync(): void {
    this.cols?.write(this.slot, this);
  }

  /** setNode takes a new version of the Node object and reparses its allocatable, labels, taints and readiness. */
  setNode(node: Readonly<Node>): void {
    this.node = node;
    const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
    this.invalid = undefined;
    try {
      this.allocCpu = alloc.cpu === undefined ? 0 : parseMilli(alloc.cpu);
      this.allocMemory = alloc.memory === undefined ? 0 : parseBytes(alloc.memory);
      this.allocPods = alloc.pods === undefined ? DEFAULT_MAX_PODS : Math.floor(parseMilli(alloc.pods) / 1000);
    } catch (err) {
      this.allocCpu = this.allocMemory = this.allocPods = 0;
      this.invalid = `node ${this.name} allocatable: ${err instanceof Error ? err.message : String(err)}`;
    }
    const labels = node.metadata.labels ?? {};
    if (!sameLabels(labels, this.labels)) this.cols?.touchLabels();
    this.labels = labels;
    const taints = node.spec?.taints ?? [];
    this.hardTaints = taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    this.softTaints = taints.filter((t) => t.effect === 'PreferNoSchedule');
    this.unschedulable = node.spec?.unschedulable === true;
    this.ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    this.generation++;
    this.sync();
  }

  /** addPod counts a pod's requests, ports and owner on this node. */
  addPod(p: PodInfo): void {
    if (this.pods.has(p.key)) this.removePod(p.key);
    this.pods.set(p.key, p);
    this.reqCpu += p.cpu;
    this.reqMemory += p.memory;
    this.nonZeroCpu += p.nonZeroCpu;
    this.nonZeroMemory += p.nonZeroMemory;
    this.podCount++;
    for (const hp of p.hostPorts) {
      const k = `${hp.protocol}/${hp.port}`;
      this.usedPorts.set(k, (this.usedPorts.get(k) ?? 0) + 1);
    }
    if (p.ownerUid !== undefined) {
      this.ownerCounts.set(p.ownerUid, (this.ownerCounts.get(p.ownerUid) ?? 0) + 1);
      this.index?.add(p.ownerUid, this, 1);
    }
    this.generation++;
    this.sync();
  }

  /** removePod takes a pod's requests, ports and owner off this node; returns false when it was not here. */
  removePod(key: string): boolean {
    const p = this.pods.get(key);
    if (!p) return false;
    this.pods.delete(key);
    this.reqCpu -= p.cpu;
    this.reqMemory -= p.memory;
    this.nonZeroCpu -= p.nonZeroCpu;
    this.nonZeroMemory -= p.nonZeroMemory;
    this.podCount--;
    for (const hp of p.hostPorts) {
      const k = `${hp.protocol}/${hp.port}`;
      const n = (this.usedPorts.get(k) ?? 1) - 1;
      if (n <= 0) this.usedPorts.delete(k);
      else this.usedPorts.set(k, n);
    }
    if (p.ownerUid !== undefined) {
      const n = (this.ownerCounts.get(p.ownerUid) ?? 1) - 1;
      if (n <= 0) this.ownerCounts.delete(p.ownerUid);
      else this.ownerCounts.set(p.ownerUid, n);
      this.index?.add(p.ownerUid, this, -1);
    }
    this.generation++;
    this.sync();
    return true;
  }
}

/** readyNode builds a Ready Node object with the given allocatable; tests and the bench use it for simulated nodes. */
export function readyNode(
  name: string,
  allocatable: { cpu: string; memory: string; pods?: string },
  extra: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; ready?: boolean } = {},
): Node {
  const alloc: Record<string, string> = { cpu: allocatable.cpu, memory: allocatable.memory, pods: allocatable.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } },
    spec: { ...(extra.taints ? { taints: extra.taints } : {}), ...(extra.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: alloc,
      allocatable: alloc,
      conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True', reason: 'FlotillaSimulated' }],
    },
  };
}
