/**
 * GarbageCollector deletes dependents whose owner is gone (cascading delete, in the background);
 * for an owner deleted with propagationPolicy=Orphan (the `orphan` finalizer) it removes the
 * owner's references from its dependents and then the finalizer, so the owner can go alone; for
 * propagationPolicy=Foreground (`foregroundDeletion`) it deletes the dependents first and releases
 * the owner once none is left.
 * Before deleting it asks the API for the owner: a cache that lags never deletes a live object.
 */
import { isNotFound } from '../api/client.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../api/finalizers.js';
import type { KubeObject, OwnerReference } from '../api/types.js';
import { resourceByKind } from '../api/resources.js';
import { keyOf, silentLogger, splitKey, type Logger, type ObjectCache, type Writer } from './shared.js';
import { WorkQueue } from './work-queue.js';


const isFinalizing = (obj: Readonly<KubeObject>, finalizer: string) => !!obj.metadata.deletionTimestamp && !!obj.metadata.finalizers?.includes(finalizer);

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
        if (isFinalizing(obj, ORPHAN_FINALIZER) || isFinalizing(obj, FOREGROUND_FINALIZER)) this.queue.add(`${kind}|${keyOf(obj)}`);
      };
      cache.on('add', check);
      cache.on('update', (_o, obj) => check(obj));
      cache.on('delete', (obj) => {
        this.enqueueDependents(obj);
        this.enqueueForegroundOwners(obj);
      });
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

  /** enqueueForegroundOwners wakes owners waiting (Foreground) for this dependent to go. */
  private enqueueForegroundOwners(dep: Readonly<KubeObject>): void {
    for (const ref of dep.metadata.ownerReferences ?? []) {
      const owner = this.cachedOwner(ref, dep.metadata.namespace);
      if (owner && isFinalizing(owner, FOREGROUND_FINALIZER)) this.queue.add(`${ref.kind}|${keyOf(owner)}`);
    }
  }

  private dependentsOf(owner: Readonly<KubeObject>): [string, Readonly<KubeObject>][] {
    const out: [string, Readonly<KubeObject>][] = [];
    for (const [kind, cache] of Object.entries(this.caches)) {
      for (const dep of cache.list()) if (dep.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) out.push([kind, dep]);
    }
    return out;
  }

  /** cachedOwner is the owner ref points at, from the caches, when it is there with ref's uid. */
  private cachedOwner(ref: OwnerReference, namespace: string | undefined): Readonly<KubeObject> | undefined {
    const info = resourceByKind(ref.kind);
    const cached = info && this.caches[ref.kind]?.get(info.namespaced && namespace ? `${namespace}/${ref.name}` : ref.name);
    return cached?.metadata.uid === ref.uid ? cached : undefined;
  }

  private async ownerExists(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    const info = resourceByKind(ref.kind);
    if (!info) return true; // an owner kind we do not serve: never collect on a guess
    if (this.cachedOwner(ref, namespace)) return true; // the common case, without a request
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
    if (isFinalizing(obj, ORPHAN_FINALIZER)) {
      await this.orphanDependents(kind, obj);
      return;
    }
    if (isFinalizing(obj, FOREGROUND_FINALIZER)) {
      await this.deleteDependentsFirst(kind, obj);
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || obj.metadata.deletionTimestamp) return;
    for (const ref of refs) if (await this.ownerExists(ref, obj.metadata.namespace)) return;
    const info = resourceByKind(kind)!;
    this.log.info({ kind, object: objKey, owners: refs.map((r) => `${r.kind}/${r.name}`) }, 'deleting dependent whose owners are gone');
    const { namespace, name } = splitKey(objKey);
    await this.writer.delete(info, name, { namespace, propagationPolicy: 'Background' }).catch(ignoreNotFound);
  }

  private async orphanDependents(ownerKind: string, owner: Readonly<KubeObject>): Promise<void> {
    for (const [kind, dep] of this.dependentsOf(owner)) {
      const kept = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
      await this.writer
        .patch(resourceByKind(kind)!, dep.metadata.name!, { metadata: { ownerReferences: kept.length ? kept : null } }, dep.metadata.namespace)
        .catch(ignoreNotFound);
    }
    this.log.info({ kind: ownerKind, object: keyOf(owner) }, 'dependents orphaned; releasing owner');
    await this.releaseOwner(ownerKind, owner, ORPHAN_FINALIZER);
  }

  /**
   * deleteDependentsFirst deletes the owner's dependents (in the foreground too, so grandchildren
   * go before children) and releases the owner once none is left; each dependent's delete event
   * brings the owner back here.
   */
  private async deleteDependentsFirst(ownerKind: string, owner: Readonly<KubeObject>): Promise<void> {
    const deps = this.dependentsOf(owner);
    for (const [kind, dep] of deps) {
      if (dep.metadata.deletionTimestamp) continue;
      await this.writer
        .delete(resourceByKind(kind)!, dep.metadata.name!, { namespace: dep.metadata.namespace, propagationPolicy: 'Foreground' })
        .catch(ignoreNotFound);
    }
    if (deps.length > 0) return;
    this.log.info({ kind: ownerKind, object: keyOf(owner) }, 'dependents deleted; releasing owner');
    await this.releaseOwner(ownerKind, owner, FOREGROUND_FINALIZER);
  }

  private async releaseOwner(ownerKind: string, owner: Readonly<KubeObject>, finalizer: string): Promise<void> {
    const finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.writer
      .patch(resourceByKind(ownerKind)!, owner.metadata.name!, { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: owner.metadata.resourceVersion } }, owner.metadata.namespace)
      .catch(ignoreNotFound);
  }
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
