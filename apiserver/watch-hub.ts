/**
 * Watch fan-out: one etcd watcher per resource prefix, its recent events kept in a buffer, and
 * any number of HTTP watchers subscribed with a start revision and a filter. A subscriber first
 * gets the buffered events after its revision, then live ones, in revision order, so none is
 * missed or repeated. A revision older than the buffer is served by a dedicated etcd watcher
 * from that revision (etcd replays history, or reports it compacted).
 */
import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { ServiceUnavailableError } from '../api/errors.js';
import { decodeStored, jsonWithResourceVersion, REGISTRY_PREFIX, resourcePrefix, storedFrom, type Storage, type Stored } from './storage.js';
import { EtcdWatch } from './etcd-watch.js';
import type { WatchedEvent } from './etcd-wire.js';

/** WatchedType is the watch event type a change is for one watcher. */
export type WatchedType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** ChangeEvent is one stored change: the object after (put) or before (delete), and the one before it, decoded on first use. */
export interface ChangeEvent {
  type: 'put' | 'delete';
  /** The etcd revision of the change; the object's resourceVersion after a put. */
  revision: number;
  key: string;
  /** For put: the new object. For delete: the last object, with resourceVersion set to the delete's revision. */
  readonly obj: KubeObject;
  /** The object before the change, when there was one. */
  readonly prev: KubeObject | undefined;
  /** Whether there was an object before the change (without decoding it). */
  readonly hasPrev: boolean;
  /** json is obj as JSON text, made once however many watchers write it. */
  json(): string;
  /** line is the watch event of this change as a watch stream carries it (a JSON line), encoded once per type however many watchers write it. */
  line(type: WatchedType): Buffer;
  /** The namespace in the object's key ('' for a cluster-scoped object), known without decoding it. */
  readonly namespace: string;
  /** True for the put that created the key. */
  created: boolean;
}

/** Subscriber receives change events in order; `end` is called when the source fails. */
export interface Subscriber {
  event(e: ChangeEvent): void;
  end(reason: string, gone: boolean): void;
}

/** RecentValue is the stored form of an object as a watch last saw it: its JSON and its mod revision. */
export interface RecentValue {
  value: Buffer;
  modRevision: string;
}

/** BUFFER_MAX bounds the events kept per resource; older resumes are served by etcd itself. */
const BUFFER_MAX = 8000;

/**
 * LazyEvent keeps the raw values and parses them only when a subscriber reads them (most creates
 * have no watcher). Its previous value is the object of the key's event before it, parsed once
 * for both when a filtered watcher reads both (a pod's status write after its create).
 */
class LazyEvent implements ChangeEvent, RecentValue {
  private objCache?: KubeObject;
  private prevCache?: KubeObject | null;
  private jsonCache?: string;
  private lines?: Partial<Record<WatchedType, Buffer>>;
  /** The key's event this one's previous value is the object of, until prev is read. */
  private before?: LazyEvent;
  constructor(
    readonly type: 'put' | 'delete',
    readonly revision: number,
    readonly key: string,
    readonly created: boolean,
    readonly value: Buffer,
    readonly modRevision: string,
    private readonly prevValue: Buffer | undefined,
    private readonly prevModRevision: string | undefined,
  ) {}
  get obj(): KubeObject {
    return (this.objCache ??= decodeStored(this.value, this.modRevision));
  }
  get prev(): KubeObject | undefined {
    if (this.prevCache === undefined) {
      this.prevCache = this.before?.parsedAt(this.prevModRevision) ?? (this.prevValue ? decodeStored(this.prevValue, this.prevModRevision!) : null);
      this.before = undefined;
    }
    return this.prevCache ?? undefined;
  }
  /** follow notes the key's newest value before this change, when it is this change's previous value; links never chain. */
  follow(before: RecentValue | undefined): void {
    if (!(before instanceof LazyEvent) || before.modRevision !== this.prevModRevision) return;
    this.before = before;
    before.before = undefined;
  }
  /** parsedAt is the object of this put, when it is at `modRevision` and already parsed. */
  private parsedAt(modRevision: string | undefined): KubeObject | undefined {
    return this.type === 'put' && this.modRevision === modRevision ? this.objCache : undefined;
  }
  /** release drops what was decoded and encoded (an event out of the buffer may stay the key's newest value). */
  release(): void {
    this.objCache = this.prevCache = this.jsonCache = this.lines = this.before = undefined;
  }
  get hasPrev(): boolean {
    return this.prevValue !== undefined;
  }
  json(): string {
    return (this.jsonCache ??= this.encode());
  }
  /** line caches the encoded line, not the text it was made of: buffered events keep one copy. */
  line(type: WatchedType): Buffer {
    const lines = (this.lines ??= {});
    return (lines[type] ??= Buffer.from(`{"type":"${type}","object":${this.jsonCache ?? this.encode()}}\n`));
  }
  private encode(): string {
    return jsonWithResourceVersion(this.value.toString('utf8'), this.modRevision) ?? JSON.stringify(this.obj);
  }
  get namespace(): string {
    return namespaceOfKey(this.key);
  }
}

/** namespaceOfKey reads the namespace of /registry/<plural>/<namespace>/<name>; '' for a cluster-scoped key (/registry/<plural>/<name>). */
export function namespaceOfKey(key: string): string {
  const plural = key.indexOf('/', REGISTRY_PREFIX.length);
  const ns = key.indexOf('/', plural + 1);
  return plural < 0 || ns < 0 ? '' : key.slice(plural + 1, ns);
}

function toEvents(events: WatchedEvent[]): LazyEvent[] {
  const out: LazyEvent[] = [];
  for (const ev of events) {
    const kv = ev.kv;
    const revision = Number(kv.modRevision);
    const key = kv.key.toString('utf8');
    const prev = ev.prevKv && ev.prevKv.value.length ? ev.prevKv : undefined;
    if (ev.type === 'delete') {
      if (!prev) continue;
      out.push(new LazyEvent('delete', revision, key, false, prev.value, String(revision), prev.value, prev.modRevision));
    } else {
      out.push(new LazyEvent('put', revision, key, kv.createRevision === kv.modRevision, kv.value, kv.modRevision, prev?.value, prev?.modRevision));
    }
  }
  return out;
}

/** ResourceHub is the fan-out of one resource prefix. */
export class ResourceHub {
  /** Events after `startRevision` are all in `buffer`. */
  private startRevision: number;
  /** The highest revision this hub has delivered (or started at). */
  lastRevision: number;
  private buffer: LazyEvent[] = [];
  /** The newest value of every key that changed since the hub started (deleted keys dropped). */
  private readonly latest = new Map<string, RecentValue>();
  private readonly subs = new Set<Subscriber>();
  private watcher?: EtcdWatch;
  private closed = false;

  constructor(private readonly storage: Storage, readonly resource: ResourceInfo, fromRevision: number) {
    this.startRevision = fromRevision;
    this.lastRevision = fromRevision;
  }

  /** start opens the etcd watcher from the revision after the one the hub was made at. */
  async start(): Promise<void> {
    this.watcher = await EtcdWatch.open(this.storage.kv, {
      prefix: resourcePrefix(this.resource),
      startRevision: this.startRevision + 1,
      onEvents: (events) => this.dispatch(toEvents(events)),
      onEnd: (err) => void this.restart(err.message),
    });
  }

  /**
   * restart recovers from a failed etcd watch (etcd compacted past us while disconnected, or
   * cancelled it): every subscriber is ended so it resumes or relists, and the hub starts again
   * from the current revision with an empty buffer.
   */
  private async restart(reason: string): Promise<void> {
    for (const s of [...this.subs]) s.end(`watch source failed: ${reason}`, /compacted/.test(reason));
    this.subs.clear();
    if (this.closed) return;
    for (let delay = 100; !this.closed; delay = Math.min(delay * 2, 5000)) {
      try {
        const now = Number(await this.storage.currentRevision());
        this.buffer = [];
        this.latest.clear();
        this.startRevision = now;
        this.lastRevision = now;
        await this.start();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private dispatch(events: LazyEvent[]): void {
    for (const e of events) {
      if (e.revision <= this.lastRevision) continue;
      this.lastRevision = e.revision;
      this.buffer.push(e);
      e.follow(this.latest.get(e.key));
      if (e.type === 'put') this.latest.set(e.key, e);
      else this.latest.delete(e.key);
      for (const s of this.subs) s.event(e);
    }
    if (this.buffer.length > BUFFER_MAX) {
      const drop = this.buffer.length - BUFFER_MAX / 2;
      this.startRevision = this.buffer[drop - 1]!.revision;
      for (let i = 0; i < drop; i++) this.buffer[i]!.release();
      this.buffer = this.buffer.slice(drop);
    }
  }

  /**
   * recent is the newest value of `key` this hub has seen, or undefined when it saw none. It may
   * trail etcd by the events still on their way: a writer may compare-and-swap on its mod revision
   * (a stale one just loses), but must read etcd before it refuses a request on what it says.
   */
  recent(key: string): RecentValue | undefined {
    return this.latest.get(key);
  }

  /** recentStored is recent() decoded into an object of the caller's own (a fresh parse it may change). */
  recentStored<T extends KubeObject = KubeObject>(key: string): Stored<T> | undefined {
    const recent = this.latest.get(key);
    return recent && storedFrom<T>(recent.value, recent.modRevision);
  }

  /** covers tells whether every event after `revision` is in the buffer or still to come. */
  covers(revision: number): boolean {
    return revision >= this.startRevision;
  }

  /** subscribe replays the buffered events after `revision`, then delivers live ones; returns unsubscribe. */
  subscribe(revision: number, sub: Subscriber): () => void {
    for (const e of this.buffer) if (e.revision > revision) sub.event(e);
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  /** subscriberCount is how many HTTP watchers follow this hub (for tests and metrics). */
  get subscriberCount(): number {
    return this.subs.size;
  }

  /** close cancels the etcd watcher and ends every subscriber. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.subs]) s.end('server shutting down', false);
    this.subs.clear();
    this.watcher?.cancel();
  }
}

/** WatchHub holds one ResourceHub per resource and opens dedicated watchers for old revisions. */
export class WatchHub {
  private readonly hubs = new Map<string, ResourceHub>();

  constructor(private readonly storage: Storage) {}

  /** start opens a hub for every resource, all from the same revision. */
  async start(resources: readonly ResourceInfo[], fromRevision: number): Promise<void> {
    for (const r of resources) {
      const hub = new ResourceHub(this.storage, r, fromRevision);
      this.hubs.set(r.plural, hub);
      await hub.start();
    }
  }

  /** hub gives the fan-out of one resource. */
  hub(r: ResourceInfo): ResourceHub {
    const h = this.hubs.get(r.plural);
    if (!h) throw new Error(`no watch hub for ${r.plural}`);
    return h;
  }

  /**
   * subscribe delivers every change of resource r after `revision` to sub, from the hub when it covers
   * that revision, else from a dedicated etcd watcher. Returns unsubscribe.
   */
  async subscribe(r: ResourceInfo, revision: number, sub: Subscriber): Promise<() => void> {
    const hub = this.hub(r);
    if (hub.covers(revision)) return hub.subscribe(revision, sub);
    let last = revision;
    let watcher: EtcdWatch;
    try {
      watcher = await EtcdWatch.open(this.storage.kv, {
      prefix: resourcePrefix(r),
      startRevision: revision + 1,
      onEvents: (events) => {
        for (const e of toEvents(events)) {
          if (e.revision <= last) continue;
          last = e.revision;
          sub.event(e);
        }
      },
      onEnd: (err) => sub.end(err.message, /compacted/.test(err.message)),
      });
    } catch (err) {
      const message = (err as Error).message;
      if (!/compacted/.test(message)) throw new ServiceUnavailableError(`etcd: ${message}`, { cause: err });
      sub.end(message, true);
      return () => {};
    }
    return () => watcher.cancel();
  }

  /** close ends every hub. */
  async close(): Promise<void> {
    await Promise.all([...this.hubs.values()].map((h) => h.close()));
  }
}
