/**
 * Object storage in etcd: one key per object under /registry/<plural>/<namespace>/<name>
 * (cluster-scoped: /registry/<plural>/<name>), the JSON of the object without its
 * resourceVersion, which is the key's mod revision. Creates are create-if-absent transactions,
 * updates and deletes compare-and-swap on the mod revision, so a stale writer loses.
 */
import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { GoneError, ServiceUnavailableError } from '../api/errors.js';
import type { EtcdKv } from './etcd-kv.js';
import { prefixRangeEnd } from './etcd-wire.js';

/** REGISTRY_PREFIX is the root of every key Flotilla stores. */
export const REGISTRY_PREFIX = '/registry/';

/** Stored is an object read from etcd with the mod revision it was read at. */
export interface Stored<T extends KubeObject = KubeObject> {
  obj: T;
  modRevision: string;
  /** The stored text obj was parsed from (without resourceVersion): an update that encodes to it changes nothing. */
  json?: string;
}

/** resourcePrefix is the key prefix of a resource's objects, narrowed to one namespace when given. */
export function resourcePrefix(r: ResourceInfo, namespace?: string): string {
  return r.namespaced && namespace ? `${REGISTRY_PREFIX}${r.plural}/${namespace}/` : `${REGISTRY_PREFIX}${r.plural}/`;
}

/** objectKey is the etcd key of one object. */
export function objectKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${REGISTRY_PREFIX}${r.plural}/${namespace ?? ''}/${name}` : `${REGISTRY_PREFIX}${r.plural}/${name}`;
}

/** decodeStored parses a stored value and sets metadata.resourceVersion to its mod revision. */
export function decodeStored<T extends KubeObject = KubeObject>(value: Buffer | string, modRevision: string): T {
  const obj = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as T;
  obj.metadata.resourceVersion = modRevision;
  return obj;
}

/** storedFrom decodes a stored value into a Stored that keeps its text. */
export function storedFrom<T extends KubeObject = KubeObject>(value: Buffer, modRevision: string): Stored<T> {
  const json = value.toString('utf8');
  return { obj: decodeStored<T>(json, modRevision), modRevision, json };
}

/** encodeStored is the stored JSON of an object: apiVersion, kind and metadata first (Kubernetes' order), without resourceVersion. */
export function encodeStored(obj: KubeObject): string {
  const rv = obj.metadata.resourceVersion;
  if (rv !== undefined) delete obj.metadata.resourceVersion;
  try {
    return JSON.stringify(Object.assign({ apiVersion: undefined, kind: undefined, metadata: undefined }, obj));
  } finally {
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
  }
}

/**
 * written remembers the text storage wrote for each object it returned from a write, so the answer
 * to that write splices the resourceVersion into it instead of encoding the object a second time.
 */
const written = new WeakMap<KubeObject, { json: string; revision: string }>();

/**
 * objectJson is an object's JSON: for an object a storage write returned, still at the revision it
 * was written at, the stored text with its resourceVersion spliced in (handlers answer with what
 * they wrote, unchanged); else JSON.stringify.
 */
export function objectJson(obj: unknown): string {
  const w = typeof obj === 'object' && obj !== null ? written.get(obj as KubeObject) : undefined;
  if (w && (obj as KubeObject).metadata?.resourceVersion === w.revision) {
    const text = jsonWithResourceVersion(w.json, w.revision);
    if (text !== undefined) return text;
  }
  return JSON.stringify(obj);
}

/** ENCODED_HEAD matches the start of what encode writes, up to the inside of metadata. */
const ENCODED_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * jsonWithResourceVersion is a stored object's JSON with metadata.resourceVersion = rv, spliced
 * into the stored text without parsing it (watch events are written this way); undefined when
 * the text does not start as encode writes it.
 */
export function jsonWithResourceVersion(stored: string, rv: string): string | undefined {
  const head = ENCODED_HEAD.exec(stored);
  if (!head) return undefined;
  const at = head[0].length;
  return `${stored.slice(0, at)}"resourceVersion":${JSON.stringify(rv)}${stored[at] === '}' ? '' : ','}${stored.slice(at)}`;
}

function wrote<T extends KubeObject>(obj: T, json: string, revision: string): T {
  obj.metadata.resourceVersion = revision;
  written.set(obj, { json, revision });
  return obj;
}

const REVISION_PROBE = `${REGISTRY_PREFIX}\u0000revision-probe`;

function isCompacted(err: unknown): boolean {
  return err instanceof Error && /compacted/.test(err.message);
}

function unavailable(err: unknown): never {
  if (err instanceof GoneError) throw err;
  throw new ServiceUnavailableError(`etcd: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Storage reads and writes objects in etcd; every method is one etcd round trip. */
export class Storage {
  constructor(readonly kv: EtcdKv) {}

  /** get reads one object, or undefined when absent. */
  async get<T extends KubeObject = KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string): Promise<Stored<T> | undefined> {
    const res = await this.kv.range(objectKey(r, namespace, name)).catch(unavailable);
    const kv = res.kvs[0];
    if (!kv) return undefined;
    return storedFrom<T>(kv.value, kv.modRevision);
  }

  /** list reads every object of a resource (in one namespace, or all) and the revision it was read at. */
  async list<T extends KubeObject = KubeObject>(r: ResourceInfo, namespace?: string): Promise<{ items: T[]; revision: string }> {
    const prefix = resourcePrefix(r, namespace);
    const res = await this.kv.range(prefix, prefixRangeEnd(prefix)).catch(unavailable);
    const items = res.kvs.map((kv) => decodeStored<T>(kv.value, kv.modRevision));
    return { items, revision: res.revision };
  }

  /** create writes a new object if its key is absent; returns it with its resourceVersion, or undefined when taken. */
  async create<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<T | undefined> {
    const key = objectKey(r, obj.metadata.namespace, obj.metadata.name!);
    const json = encodeStored(obj);
    const res = await this.kv.txn(key, { target: 'create', revision: 0 }, { put: json }).catch(unavailable);
    if (!res.succeeded) return undefined;
    return wrote(obj, json, res.revision);
  }

  /**
   * update replaces an object if its mod revision is still `expected`; returns it with the new
   * resourceVersion, or undefined on conflict. `json` is encodeStored(obj) when the caller made it already.
   */
  async update<T extends KubeObject>(r: ResourceInfo, obj: T, expected: string, json = encodeStored(obj)): Promise<T | undefined> {
    const key = objectKey(r, obj.metadata.namespace, obj.metadata.name!);
    const res = await this.kv.txn(key, { target: 'mod', revision: Number(expected) }, { put: json }).catch(unavailable);
    if (!res.succeeded) return undefined;
    return wrote(obj, json, res.revision);
  }

  /** delete removes an object if its mod revision is still `expected`; returns the delete's revision, or undefined on conflict. */
  async delete(r: ResourceInfo, namespace: string | undefined, name: string, expected: string): Promise<string | undefined> {
    const res = await this.kv.txn(objectKey(r, namespace, name), { target: 'mod', revision: Number(expected) }, { delete: true }).catch(unavailable);
    return res.succeeded ? res.revision : undefined;
  }

  /** currentRevision is etcd's store revision now. */
  async currentRevision(): Promise<string> {
    const res = await this.kv.range(REVISION_PROBE).catch(unavailable);
    return res.revision;
  }

  /** checkNotCompacted throws GoneError when `revision` is older than etcd's compaction point. */
  async checkNotCompacted(revision: string): Promise<void> {
    try {
      await this.kv.range(REVISION_PROBE, undefined, Number(revision));
    } catch (err) {
      if (isCompacted(err)) throw new GoneError(`too old resource version: ${revision}`);
      if (/future revision/.test(String((err as Error)?.message))) return;
      unavailable(err);
    }
  }
}
