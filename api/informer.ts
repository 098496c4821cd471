/**
 * Informer keeps a local, read-only cache of one resource (optionally narrowed by namespace and
 * selectors) and tells handlers what changed. It lists, then watches from the list's
 * resourceVersion; when the stream ends or breaks it resumes from the last resourceVersion it saw
 * (bookmarks included) with backoff, so no event is missed or repeated; on 410 Gone it relists and
 * delivers the difference against its cache. Cached objects are deeply frozen: copy before changing.
 */
import { isGone, isRetryable, type ApiClient, type ResourceRef, resolveResource } from './client.js';
import type { ResourceInfo } from './resources.js';
import type { KubeObject, Status, WatchEvent } from './types.js';
import { StatusError } from './client-errors.js';

/** InformerOptions narrow what an informer caches and tune its timing. */
export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as an update (old === new) this often; 0/absent = never. */
  resyncMs?: number;
  /** Server-side timeout of one watch request; a new one starts from the last resourceVersion. Default 240-360 s. */
  watchTimeoutSeconds?: number;
  /**
   * Reconnect when the watch is silent this long (default 60 s; the server sends a bookmark every
   * few seconds), so a silently cut link is noticed. Resuming costs nothing: it starts from the
   * last revision seen.
   */
  idleTimeoutMs?: number;
  /** First and largest backoff between failed attempts (default 200 ms .. 10 s). */
  backoffMs?: { initial: number; max: number };
  /** Called for errors the informer recovers from (dropped watches, failed relists); default: silent. */
  onError?: (err: unknown) => void;
}

type AddHandler<T> = (obj: Readonly<T>) => void;
type UpdateHandler<T> = (oldObj: Readonly<T>, newObj: Readonly<T>) => void;
type DeleteHandler<T> = (obj: Readonly<T>) => void;

/** deepFreeze freezes an object and everything reachable from it, and returns it. */
export function deepFreeze<T>(o: T): Readonly<T> {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** objectKey is the cache key of an object: `namespace/name`, or `name` for cluster-scoped ones. */
export function objectKey(obj: { metadata?: { name?: string; namespace?: string } }): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : m.name ?? '';
}

function rvNumber(rv: string | undefined): number | undefined {
  if (!rv || !/^\d+$/.test(rv)) return undefined;
  return Number(rv);
}

/** isNewer tells whether an incoming resourceVersion is strictly later than the cached one (true when not comparable). */
function isNewer(incoming: string | undefined, cached: string | undefined): boolean {
  const a = rvNumber(incoming);
  const b = rvNumber(cached);
  return a === undefined || b === undefined || a > b;
}

/** Informer is one resource's list+watch cache with add/update/delete handlers. */
export class Informer<T extends KubeObject = KubeObject> {
  readonly resource: ResourceInfo;
  private readonly cache = new Map<string, Readonly<T>>();
  private readonly adds: AddHandler<T>[] = [];
  private readonly updates: UpdateHandler<T>[] = [];
  private readonly deletes: DeleteHandler<T>[] = [];
  private rv = '';
  private synced = false;
  private stopped = false;
  private running = false;
  private watchHandle: { stop(): void } | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private readonly backoff: { initial: number; max: number };

  constructor(
    private readonly client: ApiClient,
    res: ResourceRef,
    private readonly opts: InformerOptions = {},
  ) {
    this.resource = resolveResource(res);
    this.backoff = opts.backoffMs ?? { initial: 200, max: 10_000 };
  }

  /** on registers a handler; handlers run in order, synchronously, and may not change the objects. */
  on(event: 'add', fn: AddHandler<T>): this;
  on(event: 'update', fn: UpdateHandler<T>): this;
  on(event: 'delete', fn: DeleteHandler<T>): this;
  on(event: 'add' | 'update' | 'delete', fn: AddHandler<T> | UpdateHandler<T> | DeleteHandler<T>): this {
    if (event === 'add') this.adds.push(fn as AddHandler<T>);
    else if (event === 'update') this.updates.push(fn as UpdateHandler<T>);
    else if (event === 'delete') this.deletes.push(fn as DeleteHandler<T>);
    else throw new Error(`Informer.on: unknown event "${String(event)}" (add, update, delete)`);
    return this;
  }

  /** start lists (retrying transient failures), delivers the list as adds, resolves, then watches. */
  async start(): Promise<void> {
    if (this.running) throw new Error('Informer.start: already started');
    this.running = true;
    let delay = this.backoff.initial;
    for (;;) {
      if (this.stopped) return;
      try {
        await this.relist();
        break;
      } catch (e) {
        if (!isRetryable(e) || this.stopped) {
          this.running = false;
          throw e;
        }
        this.report(e);
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.backoff.max);
      }
    }
    this.synced = true;
    if (this.opts.resyncMs) {
      this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncMs);
      this.resyncTimer.unref();
    }
    void this.watchLoop();
  }

  /** hasSynced tells whether the first list has been delivered. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** lastResourceVersion is the revision the cache reflects (the last event or bookmark seen). */
  lastResourceVersion(): string {
    return this.rv;
  }

  /** list gives every cached object. */
  list(): readonly Readonly<T>[] {
    return [...this.cache.values()];
  }

  /** get gives one cached object by `namespace/name` (or `name` for cluster-scoped), or undefined. */
  get(key: string): Readonly<T> | undefined {
    return this.cache.get(key);
  }

  /** keyOf is the cache key of an object. */
  keyOf(obj: { metadata?: { name?: string; namespace?: string } }): string {
    return objectKey(obj);
  }

  /** stop ends the watch and the resync timer; handlers get nothing more. */
  stop(): void {
    this.stopped = true;
    this.watchHandle?.stop();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
  }

  // ------------------------------------------------------------------ internals

  private report(e: unknown): void {
    this.opts.onError?.(e);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.report(e);
      if (!this.opts.onError) process.emitWarning(`informer ${this.resource.plural}: a handler threw: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  private emitAdd(obj: Readonly<T>): void {
    for (const h of this.adds) this.call(() => h(obj));
  }

  private emitUpdate(oldObj: Readonly<T>, newObj: Readonly<T>): void {
    for (const h of this.updates) this.call(() => h(oldObj, newObj));
  }

  private emitDelete(obj: Readonly<T>): void {
    for (const h of this.deletes) this.call(() => h(obj));
  }

  private resync(): void {
    if (this.stopped) return;
    for (const obj of this.cache.values()) this.emitUpdate(obj, obj);
  }

  /** relist reads the whole collection and delivers the difference against the cache. */
  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.resource, {
      namespace: this.opts.namespace, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
    });
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const item of list.items ?? []) {
      if (!item.kind) item.kind = this.resource.kind as T['kind'];
      if (!item.apiVersion) item.apiVersion = this.resource.group ? `${this.resource.group}/${this.resource.version}` : this.resource.version;
      const obj = deepFreeze(item);
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.emitAdd(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emitUpdate(old, obj);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emitDelete(old);
      }
    }
    this.rv = list.metadata?.resourceVersion ?? '';
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.object;
    if (ev.type === 'ERROR') {
      throw new StatusError(obj as unknown as Status);
    }
    const rv = obj?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      return;
    }
    deepFreeze(obj);
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (ev.type === 'DELETED') {
      if (old) {
        this.cache.delete(key);
        this.emitDelete(obj);
      }
    } else if (!old) {
      this.cache.set(key, obj);
      this.emitAdd(obj);
    } else if (isNewer(rv, old.metadata.resourceVersion)) {
      this.cache.set(key, obj);
      this.emitUpdate(old, obj);
    }
    if (rv) this.rv = rv;
  }

  private async watchLoop(): Promise<void> {
    let delay = this.backoff.initial;
    while (!this.stopped) {
      let progressed = false;
      let error: unknown;
      const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 120);
      const handle = this.client.watch<T>(this.resource, {
        namespace: this.opts.namespace, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds, idleTimeoutMs: this.opts.idleTimeoutMs ?? 60_000,
      }, (ev) => {
        this.apply(ev);
        progressed = true;
      });
      this.watchHandle = handle;
      try {
        await handle.done;
      } catch (e) {
        error = e;
      }
      this.watchHandle = undefined;
      if (this.stopped) return;
      if (error === undefined) {
        // The server ended the stream (its timeout): resume at once from the last revision seen.
        delay = this.backoff.initial;
        continue;
      }
      this.report(error);
      if (isGone(error)) {
        try {
          await this.relist();
          delay = this.backoff.initial;
          continue;
        } catch (e) {
          this.report(e);
        }
      } else if (progressed) {
        delay = this.backoff.initial;
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.backoff.max);
    }
  }
}
