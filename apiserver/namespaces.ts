/**
 * The namespace cache: which namespaces exist (and which are terminating), kept current from the
 * namespaces watch, so a create checks its namespace without an etcd read. The built-in
 * namespaces (default, kube-system, kube-node-lease) are made at start and may not be deleted.
 */
import { resourceByKind } from '../api/resources.js';
import { ForbiddenError, NotFoundError } from '../api/errors.js';
import type { KubeObject, Namespace } from '../api/types.js';
import type { Storage } from './storage.js';
import type { WatchHub } from './watch-hub.js';
import { prepareForCreate } from './strategy.js';

/** BUILTIN_NAMESPACES exist from the start and cannot be deleted. */
export const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-node-lease'] as const;

const NS = resourceByKind('Namespace')!;

/** NamespaceCache answers "does namespace X exist" from memory. */
export class NamespaceCache {
  private readonly known = new Map<string, Namespace>();
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(private readonly storage: Storage) {}

  /** start loads the namespaces, creates the built-in ones, and follows the namespaces watch from `revision`. */
  async start(hub: WatchHub, revision: number): Promise<void> {
    const { items } = await this.storage.list<Namespace>(NS);
    for (const ns of items) this.known.set(ns.metadata.name!, ns);
    for (const name of BUILTIN_NAMESPACES) {
      if (this.known.has(name)) continue;
      const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: {}, status: { phase: 'Active' } };
      prepareForCreate(NS, ns);
      const made = await this.storage.create(NS, ns);
      if (made) this.known.set(name, made);
    }
    await this.follow(hub, revision);
  }

  private async follow(hub: WatchHub, revision: number): Promise<void> {
    this.unsubscribe = await hub.subscribe(NS, revision, {
      event: (e) => {
        if (e.type === 'delete') this.known.delete(e.obj.metadata.name!);
        else this.known.set(e.obj.metadata.name!, e.obj as Namespace);
      },
      end: () => {
        // The watch source restarted: reload and follow again, a moment later.
        if (this.stopped) return;
        setTimeout(() => void this.reload(hub), 200).unref();
      },
    });
  }

  private async reload(hub: WatchHub): Promise<void> {
    if (this.stopped) return;
    try {
      const { items, revision } = await this.storage.list<Namespace>(NS);
      this.known.clear();
      for (const ns of items) this.known.set(ns.metadata.name!, ns);
      await this.follow(hub, Number(revision));
    } catch {
      setTimeout(() => void this.reload(hub), 1000).unref();
    }
  }

  /** note records a namespace the server just wrote, before its watch event arrives. */
  note(obj: KubeObject, deleted = false): void {
    if (deleted) this.known.delete(obj.metadata.name!);
    else this.known.set(obj.metadata.name!, obj as Namespace);
  }

  /** has tells whether a namespace exists. */
  has(name: string): boolean {
    return this.known.has(name);
  }

  /** names lists the known namespaces. */
  names(): string[] {
    return [...this.known.keys()];
  }

  /** ensureWritable throws 404 when the namespace does not exist and 403 when it is being deleted. */
  async ensureWritable(name: string): Promise<void> {
    let ns = this.known.get(name);
    if (!ns) {
      // Another server may have made it a moment ago; one read settles it on a miss only.
      const stored = await this.storage.get<Namespace>(NS, undefined, name);
      if (!stored) throw NotFoundError.object('namespaces', name);
      ns = stored.obj;
      this.known.set(name, ns);
    }
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
      throw new ForbiddenError(`unable to create new content in namespace ${name} because it is being terminated`);
    }
  }

  /** stop leaves the namespaces watch. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
  }
}
