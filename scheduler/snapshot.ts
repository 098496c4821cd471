/**
 * Snapshot is the set of schedulable nodes a scheduling cycle iterates: their NodeInfos, their
 * numbers in columns (NodeColumns, for the batch Filter/Score paths), the slots in a stable order
 * (the rotating start of Filter needs one) and an index of owners to nodes (for spreading).
 * A cycle is synchronous — Filter and Score run without awaiting — so informer events cannot land
 * during it: the snapshot shares the cache's NodeInfos instead of copying them, and only its order
 * array is rebuilt, when a node is added or removed.
 */
import { NodeColumns } from './node-columns.js';
import { type NodeInfo, OwnerIndex } from './node-info.js';

/** Snapshot holds the nodes a cycle may choose from. */
export class Snapshot {
  private readonly byName = new Map<string, NodeInfo>();
  private list: NodeInfo[] = [];
  private order = new Int32Array(0);
  private dirty = false;
  /** cols mirrors the nodes' numbers by slot. */
  readonly cols = new NodeColumns();
  /** owners indexes the pods of every owner over this snapshot's nodes. */
  readonly owners = new OwnerIndex();

  /** from builds a snapshot of standalone NodeInfos (tests, benches); it attaches them to itself. */
  static from(nodes: readonly NodeInfo[]): Snapshot {
    const s = new Snapshot();
    for (const n of nodes) s.set(n);
    return s;
  }

  /** set makes a NodeInfo (with its Node object) part of the snapshot. */
  set(info: NodeInfo): void {
    if (this.byName.get(info.name) === info) return;
    this.byName.get(info.name)?.detach();
    this.byName.set(info.name, info);
    info.attach(this.cols, this.owners);
    this.dirty = true;
  }

  /** delete takes a node out of the snapshot. */
  delete(name: string): void {
    const info = this.byName.get(name);
    if (!info) return;
    info.detach();
    this.byName.delete(name);
    this.dirty = true;
  }

  /** get finds a node by name. */
  get(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }

  private rebuild(): void {
    if (!this.dirty) return;
    this.list = [...this.byName.values()];
    this.order = Int32Array.from(this.list, (n) => n.slot);
    this.dirty = false;
  }

  /** nodes is the NodeInfos in a stable order; valid until the next set/delete. */
  nodes(): readonly NodeInfo[] {
    this.rebuild();
    return this.list;
  }

  /** slots is the nodes' column slots, in the same order as nodes(). */
  slots(): Int32Array {
    this.rebuild();
    return this.order;
  }

  /** size is the number of nodes. */
  get size(): number {
    return this.byName.size;
  }
}
