/**
 * Turns: work that arrives together (the requests of a burst) starts in slices of a few
 * milliseconds, one slice per event-loop turn, so the I/O the first ones start goes out while
 * later ones wait. node:http2 hands over every stream of one socket read synchronously, and node
 * sends what a stream wrote (an etcd txn, a watch event, an answer) only when the loop next reaches
 * its check phase: a burst of 50 pod creates was parsed, validated and written to etcd in one
 * 25 ms stretch before the first txn left the process, and every watcher and every answer waited
 * for the whole burst. A slice rather than one start per turn: each turn's writes are separate TLS
 * records and syscalls, and one start per turn cost a burst half again as much CPU.
 *
 * Every start runs in an immediate of its own, also on an idle loop (the check phase follows the
 * poll phase that brought the work): node runs promise continuations between two immediates, so
 * each start sees how long the ones before it took, continuations included.
 */

/** SLICE_MS is how long one turn may spend starting work that waits. */
export const SLICE_MS = 2;

/** A batch is the immediates queued before one check phase; its first one opens that turn's slice. */
interface Batch {
  opened: boolean;
}

/** Turns starts work in arrival order, as much as fits in a slice per event-loop turn. */
export class Turns {
  private readonly waiting: Array<() => void> = [];
  /** The batch new immediates join: the next check phase's. */
  private pending?: Batch;
  /** When this turn's slice began; -1 before its first start. */
  private sliceStart = -1;

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** run calls `start` in this turn's check phase when its slice has time left, else in a later turn, in arrival order. */
  run(start: () => void): void {
    this.waiting.push(start);
    this.queue();
  }

  /** queue adds one immediate (one start at most) to the next check phase's batch. */
  private queue(): void {
    const batch = (this.pending ??= { opened: false });
    setImmediate(this.startNext, batch);
  }

  private readonly startNext = (batch: Batch): void => {
    if (!batch.opened) {
      // The first immediate of a check phase: what the last turn wrote has been flushed (node runs
      // its native immediates first); later immediates belong to the next turn.
      batch.opened = true;
      if (this.pending === batch) this.pending = undefined;
      this.sliceStart = performance.now();
    } else if (performance.now() - this.sliceStart >= this.sliceMs) {
      return this.queue();
    }
    this.waiting.shift()?.();
  };
}
