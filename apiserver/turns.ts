/**
 * Turns: work that arrives together (the bodies of a burst of requests) is started a slice of a
 * few milliseconds per event-loop turn, so the I/O the first ones start goes out while later ones
 * wait. node:http2 hands over every stream of one socket read synchronously, and node sends what a
 * stream wrote (an etcd txn, a watch event, an answer) only when the loop next reaches its check
 * phase: a burst of 50 pod creates was parsed, validated and written to etcd in one 25 ms stretch
 * before the first txn left the process, and every watcher and every answer waited for the whole
 * burst.
 *
 * Work that fits in the turn's slice starts at once, as it did without Turns (deferring every start
 * cost bench:api a tenth of its throughput); the rest waits for the next turns, each waiting start
 * in an immediate of its own: node runs promise continuations between two immediates, so each
 * sees how long the ones before it took, continuations included.
 */

/** SLICE_MS is how long one turn may spend starting work before the rest waits for the next turn. */
export const SLICE_MS = 2;

/** A batch is the immediates queued before one check phase; its first one opens that turn's slice. */
interface Batch {
  opened: boolean;
}

/** Turns starts work in arrival order, as much as fits in a slice per event-loop turn. */
export class Turns {
  private readonly waiting: Array<() => void> = [];
  /** The batch new immediates join: the next check phase's; undefined when none is queued (no turn is open). */
  private pending?: Batch;
  /** When the open turn's slice began. */
  private sliceStart = 0;

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** run calls `start` now when nothing waits and this turn's slice has time left, else in a later turn, in arrival order. */
  run(start: () => void): void {
    if (this.waiting.length === 0 && this.hasTime()) return start();
    this.waiting.push(start);
    this.queue();
  }

  /** hasTime tells whether this turn's slice has time left, opening the slice when no turn is open (the next check phase closes it). */
  private hasTime(): boolean {
    const now = performance.now();
    if (this.pending !== undefined) return now - this.sliceStart < this.sliceMs;
    this.sliceStart = now;
    this.queue();
    return true;
  }

  /** queue adds one immediate (one start at most) to the next check phase's batch. */
  private queue(): void {
    const batch = (this.pending ??= { opened: false });
    setImmediate(this.startNext, batch);
  }

  private readonly startNext = (batch: Batch): void => {
    const now = performance.now();
    if (!batch.opened) {
      // The first immediate of a check phase: what the last turn wrote has been flushed (node runs
      // its native immediates first), and a new slice begins; later immediates belong to the next turn.
      batch.opened = true;
      if (this.pending === batch) this.pending = undefined;
      this.sliceStart = now;
    } else if (now - this.sliceStart >= this.sliceMs) {
      if (this.waiting.length > 0) this.queue();
      return;
    }
    this.waiting.shift()?.();
  };
}
