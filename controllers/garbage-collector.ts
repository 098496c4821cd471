/**
 * GarbageCollector deletes dependents whose owner is gone (cascading delete, in the background)
 * and, for an owner deleted with propagationPolicy=Orphan (the `orphan` finalizer), removes the
 * owner's references from its dependents and then the finalizer, so the owner can go alone.
 * Before deleting it asks the API for the owner: a cache that lags never deletes a live object.
 */
import { isNotFound } from '../api/client.js';
import type { KubeObject, OwnerReference } from '../api/types.js';
import { resourceByKind } from '../api/resources.js';
import { keyOf, silentLogger, splitKey, type Logger, type ObjectCache, type Writer } from './shared.js';
import { WorkQueue } from './work-queue.js';

/** ORPHAN_FINALIZER marks an owner whose dependents must be kept (propagationPolicy=Orphan). */
export const ORPHAN_FINALIZER = 'orphan';

/** Kind names the caches the collector watches, by kind. */
export type CachesByKind = Record<string, ObjectCache<KubeObject>>;

/** GarbageCollector watches owners and dependents of the kinds it is given. */
export class GarbageCollector {
  readonly queue: WorkQueue;

  constructor(private readonly caches: CachesByKind, private readonly writer: Writer, private readonly log: Logger = silentLogger) {
    // Keys are `Kind|namespace/name` of objects to check.
    this.queue = new WorkQueue((key) => this.sync(key), {
      workers: 4,
      onError: (key, err) => this.log.warn({ key, err: String(err) }, 'garbage collection failed; will retry'),
    });
  }

  /** start registers the event handlers; the caller starts the informers. */
  start(): void {
    for (const [kind, cache] of Object.entries(this.caches)) {
      const check = (obj: Readonly<KubeObject>) => {
        if (obj.metadata.ownerReferences?.length) this.queue.add(`${kind}|${keyOf(obj)}`);
        if (obj.metadata.finalizers?.includes(ORPHAN_FINALIZER) && obj.metadata.deletionTimestamp) this.queue.add(`${kind}|${keyOf(obj)}`);
      };
      cache.on('add', check);
      cache.on('update', (_o, obj) => check(obj));
      cache.on('delete', (owner) => this.enqueueDependents(owner));
    }
  }

  /** stop drops queued work. */
  stop(): void {
    this.queue.stop();
  }

  private enqueueDependents(owner: Readonly<KubeObject>): void {
    for (const [kind, cache] of Object.entries(this.caches)) {
      for (const obj of cache.list()) {
        if (obj.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) this.queue.add(`${kind}|${keyOf(obj)}`);
      }
    }
  }

  private async ownerExists(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    const info = resourceByKind(ref.kind);
    if (!info) return true; // an owner kind we do not serve: never collect on a guess
    const cached = this.caches[ref.kind]?.get(info.namespaced && namespace ? `${namespace}/${ref.name}` : ref.name);
    if (cached?.metadata.uid === ref.uid) return true; // the common case, without a request
    try {
      const live = await this.writer.get(info, ref.name, info.namespaced ? namespace : undefined);
      return live.metadata.uid === ref.uid;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** sync handles one object: orphan its dependents if asked, or delete it if every owner is gone. */
  async sync(key: string): Promise<void> {
    const [kind, objKey] = key.split('|');
    const obj = this.caches[kind]?.get(objKey);
    if (!obj) return;
    if (obj.metadata.deletionTimestamp && obj.metadata.finalizers?.includes(ORPHAN_FINALIZER)) {
      await this.orphanDependents(kind, obj);
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || obj.metadata.deletionTimestamp) return;
    for (const ref of refs) if (await this.ownerExists(ref, obj.metadata.namespace)) return;
    const info = resourceByKind(kind)!;
    this.log.info({ kind, object: objKey, owners: refs.map((r) => `${r.kind}/${r.name}`) }, 'deleting dependent whose owners are gone');
    const { namespace, name } = splitKey(objKey);
    await this.writer.delete(info, name, { namespace, propagationPolicy: 'Background' }).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }

  private async orphanDependents(ownerKind: string, owner: Readonly<KubeObject>): Promise<void> {
    for (const [kind, cache] of Object.entries(this.caches)) {
      for (const dep of cache.list()) {
        const refs = dep.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === owner.metadata.uid)) continue;
        const kept = refs.filter((r) => r.uid !== owner.metadata.uid);
        await this.writer
          .patch(resourceByKind(kind)!, dep.metadata.name!, { metadata: { ownerReferences: kept.length ? kept : null } }, dep.metadata.namespace)
          .catch((err) => {
            if (!isNotFound(err)) throw err;
          });
      }
    }
    const finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== ORPHAN_FINALIZER);
    this.log.info({ kind: ownerKind, object: keyOf(owner) }, 'dependents orphaned; releasing owner');
    await this.writer
      .patch(resourceByKind(ownerKind)!, owner.metadata.name!, { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: owner.metadata.resourceVersion } }, owner.metadata.namespace)
      .catch((err) => {
        if (!isNotFound(err)) throw err;
      });
  }
}
