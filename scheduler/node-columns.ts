/**
 * NodeColumns holds the numbers of a snapshot's nodes column by column, in typed arrays indexed by
 * a node's slot: allocatable and requested cpu and memory, pod slots, and flag bits. The batch
 * Filter and Score paths read these instead of the NodeInfo objects, so a decision over hundreds of
 * nodes walks a few contiguous arrays (no boxed doubles, few cache misses). NodeInfo stays the
 * source of truth and writes its numbers here whenever it changes.
 */
import type { NodeInfo } from './node-info.js';

/** FLAG_SCHEDULABLE: Ready and not cordoned. */
export const FLAG_SCHEDULABLE = 1;
/** FLAG_HARD_TAINTS: has NoSchedule/NoExecute taints. */
export const FLAG_HARD_TAINTS = 2;
/** FLAG_SOFT_TAINTS: has PreferNoSchedule taints. */
export const FLAG_SOFT_TAINTS = 4;
/** FLAG_INVALID: its allocatable did not parse. */
export const FLAG_INVALID = 8;
/** FLAG_PORTS_USED: some host port is taken. */
export const FLAG_PORTS_USED = 16;
/** FLAG_BITS is how many flag bits there are. */
const FLAG_BITS = 5;

/** percentOf is 100 / capacity (0 for no capacity): the factor that turns an amount into percent of it. */
export function percentOf(capacity: number): number {
  return capacity > 0 ? 100 / capacity : 0;
}

/** grown is a copy of `a` with room for `cap` entries, the new ones set to `fill`. */
function grown<A extends Float64Array | Int32Array | Uint8Array>(a: A, cap: number, fill = 0): A {
  const b = new (a.constructor as new (length: number) => A)(cap);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/** NodeColumns is the column store of one snapshot. */
export class NodeColumns {
  allocCpu = new Float64Array(0);
  allocMemory = new Float64Array(0);
  reqCpu = new Float64Array(0);
  nonZeroCpu = new Float64Array(0);
  nonZeroMemory = new Float64Array(0);
  podCount = new Float64Array(0);
  /** freeCpu/freeMemory/freePods are allocatable minus requested, kept so the fit check reads one number per resource. */
  freeCpu = new Float64Array(0);
  freeMemory = new Float64Array(0);
  freePods = new Float64Array(0);
  /** pctCpu/pctMemory are 100 / allocatable (0 when there is none): scores multiply instead of dividing. */
  pctCpu = new Float64Array(0);
  pctMemory = new Float64Array(0);
  flags = new Uint8Array(0);
  /** labelsEpoch changes when any node's labels change or a node comes or goes (plugins memoise label matches by it). */
  labelsEpoch = 0;
  /** stamp/pos: per-cycle scratch, the cycle id and the node's place in a list (placeSlots; the framework's feasible list). */
  stamp = new Int32Array(0);
  pos = new Int32Array(0);
  /** infos maps a slot back to its NodeInfo. */
  readonly infos: (NodeInfo | undefined)[] = [];
  private readonly free: number[] = [];
  /** flagCounts[b] is how many slots in use have flag bit b set; inUse is how many slots are in use. */
  private readonly flagCounts = new Int32Array(FLAG_BITS);
  private inUse = 0;

  private grow(min: number): void {
    const cap = Math.max(16, min, this.flags.length * 2);
    this.allocCpu = grown(this.allocCpu, cap);
    this.allocMemory = grown(this.allocMemory, cap);
    this.reqCpu = grown(this.reqCpu, cap);
    this.nonZeroCpu = grown(this.nonZeroCpu, cap);
    this.nonZeroMemory = grown(this.nonZeroMemory, cap);
    this.podCount = grown(this.podCount, cap);
    this.freeCpu = grown(this.freeCpu, cap);
    this.freeMemory = grown(this.freeMemory, cap);
    this.freePods = grown(this.freePods, cap);
    this.pctCpu = grown(this.pctCpu, cap);
    this.pctMemory = grown(this.pctMemory, cap);
    this.flags = grown(this.flags, cap);
    this.stamp = grown(this.stamp, cap, -1);
    this.pos = grown(this.pos, cap);
  }

  /** alloc gives a node a slot and writes its numbers there. */
  alloc(info: NodeInfo): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.infos.length;
      this.infos.push(undefined);
      if (slot >= this.flags.length) this.grow(slot + 1);
    }
    this.infos[slot] = info;
    this.inUse++;
    this.labelsEpoch++;
    this.stamp[slot] = -1;
    this.write(slot, info);
    return slot;
  }

  /** release frees a slot. */
  release(slot: number): void {
    this.infos[slot] = undefined;
    this.setFlags(slot, 0);
    this.inUse--;
    this.labelsEpoch++;
    this.free.push(slot);
  }

  private setFlags(slot: number, f: number): void {
    const changed = this.flags[slot]! ^ f;
    if (changed === 0) return;
    for (let b = 0; b < FLAG_BITS; b++) if (changed & (1 << b)) this.flagCounts[b]! += f & (1 << b) ? 1 : -1;
    this.flags[slot] = f;
  }

  /**
   * noneWith tells whether no node in use has `flag`, and allWith whether every one has it: a filter
   * whose slow path only nodes with (or without) a flag take can skip its pass over the batch.
   */
  noneWith(flag: number): boolean {
    return this.flagCounts[31 - Math.clz32(flag)] === 0;
  }

  /** allWith tells whether every node in use has `flag` (see noneWith). */
  allWith(flag: number): boolean {
    return this.flagCounts[31 - Math.clz32(flag)] === this.inUse;
  }

  /** write copies a node's numbers and flags into its slot. */
  write(slot: number, n: NodeInfo): void {
    this.allocCpu[slot] = n.allocCpu;
    this.allocMemory[slot] = n.allocMemory;
    this.reqCpu[slot] = n.reqCpu;
    this.nonZeroCpu[slot] = n.nonZeroCpu;
    this.nonZeroMemory[slot] = n.nonZeroMemory;
    this.podCount[slot] = n.podCount;
    this.freeCpu[slot] = n.allocCpu - n.reqCpu;
    this.freeMemory[slot] = n.allocMemory - n.reqMemory;
    this.freePods[slot] = n.allocPods - n.podCount;
    this.pctCpu[slot] = percentOf(n.allocCpu);
    this.pctMemory[slot] = percentOf(n.allocMemory);
    this.setFlags(
      slot,
      (n.ready && !n.unschedulable ? FLAG_SCHEDULABLE : 0) |
        (n.hardTaints.length > 0 ? FLAG_HARD_TAINTS : 0) |
        (n.softTaints.length > 0 ? FLAG_SOFT_TAINTS : 0) |
        (n.invalid !== undefined ? FLAG_INVALID : 0) |
        (n.usedPorts.size > 0 ? FLAG_PORTS_USED : 0),
    );
  }

  /** touchLabels records that a node's labels changed. */
  touchLabels(): void {
    this.labelsEpoch++;
  }

  /** size is the number of slots in use. */
  get size(): number {
    return this.inUse;
  }

  /** info gives the NodeInfo of a slot in use. */
  info(slot: number): NodeInfo {
    return this.infos[slot]!;
  }
}
