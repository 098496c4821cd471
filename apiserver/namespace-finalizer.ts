/**
 * Namespace termination: a deleted namespace is first marked (deletionTimestamp, phase
 * Terminating, so nothing new may be created in it), then everything in it is deleted the normal
 * way (bound pods gracefully, through their node's agent), and the namespace itself goes once it
 * is empty. Interrupted terminations resume when the server starts.
 */
import { RESOURCES, resourceByKind } from '../api/resources.js';
import { NotFoundError } from '../api/errors.js';
import type { Namespace } from '../api/types.js';
import type { ApiContext } from './context.js';
import { deleteObject } from './rest-write.js';

const NS = resourceByKind('Namespace')!;
const NAMESPACED = RESOURCES.filter((r) => r.namespaced);

/** NamespaceFinalizer empties terminating namespaces and removes them. */
export class NamespaceFinalizer {
  private readonly running = new Set<string>();
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly ctx: ApiContext, private readonly retryMs = 1000) {}

  /** kick starts (or keeps) the termination of one namespace. */
  kick(name: string): void {
    if (this.running.has(name) || this.stopped) return;
    this.running.add(name);
    void this.pass(name);
  }

  /** resume kicks every namespace that was terminating when the server stopped. */
  async resume(): Promise<void> {
    const { items } = await this.ctx.storage.list<Namespace>(NS);
    for (const ns of items) if (ns.metadata.deletionTimestamp) this.kick(ns.metadata.name!);
  }

  private async pass(name: string): Promise<void> {
    try {
      let remaining = 0;
      for (const r of NAMESPACED) {
        const { items } = await this.ctx.storage.list(r, name);
        remaining += items.length;
        for (const o of items) {
          await deleteObject(this.ctx, r, name, o.metadata.name!, {}).catch((err) => {
            if (!(err instanceof NotFoundError)) throw err;
          });
        }
      }
      if (remaining === 0 || (await this.empty(name))) {
        const cur = await this.ctx.storage.get(NS, undefined, name);
        if (cur && (await this.ctx.storage.delete(NS, undefined, name, cur.modRevision)) !== undefined) {
          this.ctx.namespaces.note(cur.obj, true);
          this.running.delete(name);
          return;
        }
        if (!cur) {
          this.running.delete(name);
          return;
        }
      }
    } catch (err) {
      this.ctx.log.warn({ namespace: name, err: err instanceof Error ? err.message : String(err) }, 'namespace termination pass failed; retrying');
    }
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.pass(name);
    }, this.retryMs);
    this.timers.add(t);
  }

  private async empty(name: string): Promise<boolean> {
    for (const r of NAMESPACED) if ((await this.ctx.storage.list(r, name)).items.length > 0) return false;
    return true;
  }

  /** stop ends every termination loop (they resume at the next start). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }
}
