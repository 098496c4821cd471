/**
 * Snapshot is the list of schedulable NodeInfos a scheduling cycle iterates. A cycle is synchronous
 * (Filter and Score run without awaiting), so informer events cannot land during it: the snapshot
 * shares the cache's NodeInfo objects instead of copying them, and only its array is rebuilt, when a
 * node is added or removed. The order is stable (by insertion), which the rotating start of Filter needs.
 */
import type { NodeInfo } from './node-info.js';

/** Snapshot holds the nodes a cycle may choose from, by name and as an array. */
export class Snapshot {
  private readonly byName = new Map<string, NodeInfo>();
  private list: NodeInfo[] = [];
  private dirty = false;

  /** set makes a NodeInfo (with its Node object) part of the snapshot. */
  set(info: NodeInfo): void {
    if (this.byName.get(info.name) === info) return;
    this.byName.set(info.name, info);
    this.dirty = true;
  }

  /** delete takes a node out of the snapshot. */
  delete(name: string): void {
    if (this.byName.delete(name)) this.dirty = true;
  }

  /** get finds a node by name. */
  get(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }

  /** nodes is the array a cycle iterates; valid until the next set/delete. */
  nodes(): readonly NodeInfo[] {
    if (this.dirty) {
      this.list = [...this.byName.values()];
      this.dirty = false;
    }
    return this.list;
  }

  /** size is the number of nodes. */
  get size(): number {
    return this.byName.size;
  }
}
