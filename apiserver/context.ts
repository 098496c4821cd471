/**
 * What every request handler shares: storage, the watch hub, the namespace cache, the logger and
 * the admin token, plus the small helpers that answer with JSON and check an object's kind.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Logger } from 'pino';
import { apiVersionOf, resourceByKind, RESOURCES, type ResourceInfo } from '../api/resources.js';
import { BadRequestError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { objectJson, type Storage } from './storage.js';
import type { WatchHub } from './watch-hub.js';
import type { NamespaceCache } from './namespaces.js';

/** ApiRequest is a request as handlers see it: node:http's on HTTP/1.1, node:http2's compat object on HTTP/2. */
export type ApiRequest = IncomingMessage | Http2ServerRequest;

/** ApiResponse is the answer being written, on either protocol (no connection-specific headers: HTTP/2 refuses them). */
export type ApiResponse = ServerResponse | Http2ServerResponse;

/** ApiContext is the server state handlers work with. */
export interface ApiContext {
  storage: Storage;
  hub: WatchHub;
  namespaces: NamespaceCache;
  log: Logger;
  adminToken: string;
  /** Seconds between BOOKMARK events on watches that allow them. */
  bookmarkIntervalSeconds: number;
  /** finalizeNamespace empties and removes a terminating namespace in the background (set by the server). */
  finalizeNamespace?: (name: string) => void;
}

/** sendJson answers with a JSON body (an object storage just wrote as the text it wrote). */
export function sendJson(res: ApiResponse, code: number, body: unknown): void {
  const text = objectJson(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** ChunkWriter is what a streamed answer writes to (the two protocols' write() overloads do not unite in TypeScript). */
export interface ChunkWriter {
  write(chunk: string | Buffer): boolean;
}

/**
 * startStream answers 200 with a body of unknown length and sends the headers at once: a watcher
 * waits for them before any event. No Transfer-Encoding: HTTP/1.1 chunks such a body by itself,
 * and HTTP/2 refuses connection-specific headers.
 */
export function startStream(res: ApiResponse, headers: OutgoingHttpHeaders): ChunkWriter {
  res.writeHead(200, headers);
  // node:http holds the headers until the first write; node:http2 sent them in writeHead.
  if ('flushHeaders' in res) res.flushHeaders();
  return res;
}

/** asObject checks that a decoded body is a JSON object with an object `metadata` (when present). */
export function asObject(body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError(`the body must be a JSON or YAML object, not ${Array.isArray(body) ? 'an array' : typeof body === 'object' ? 'null' : `a ${typeof body}`}`);
  }
  const o = body as Record<string, unknown>;
  if (o.metadata === undefined || o.metadata === null) o.metadata = {};
  if (typeof o.metadata !== 'object' || Array.isArray(o.metadata)) {
    throw new BadRequestError('metadata must be an object');
  }
  return o as unknown as KubeObject;
}

/**
 * checkTypeMeta requires the body's kind and apiVersion to be the path's resource (filling them
 * when both are absent), with Kubernetes' wording for an unknown kind or a mismatch.
 */
export function checkTypeMeta(obj: KubeObject, r: ResourceInfo, expectedKind = r.kind, expectedApiVersion = apiVersionOf(r)): void {
  const o = obj as unknown as Record<string, unknown>;
  if (o.kind === undefined && o.apiVersion === undefined) {
    obj.kind = expectedKind;
    obj.apiVersion = expectedApiVersion;
    return;
  }
  if (typeof o.kind !== 'string' || o.kind === '') throw new BadRequestError("Object 'Kind' is missing in the request body");
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') throw new BadRequestError("Object 'apiVersion' is missing in the request body");
  const known = resourceByKind(o.kind, o.apiVersion) ?? (['Binding', 'Scale', 'DeleteOptions'].includes(o.kind) ? { kind: o.kind } : undefined);
  if (!known) {
    const other = RESOURCES.find((x) => x.kind === o.kind);
    const hint = other ? ` (${o.kind} is served as apiVersion "${apiVersionOf(other)}")` : '';
    throw new BadRequestError(`no kind "${o.kind}" is registered for version "${o.apiVersion}"${hint}`);
  }
  if (o.kind !== expectedKind) {
    throw new BadRequestError(`the body's kind "${o.kind}" does not match the resource "${r.plural}" of the path (expected kind "${expectedKind}")`);
  }
  if (o.apiVersion !== expectedApiVersion && !(expectedKind === 'Scale' && /^(autoscaling|extensions|apps)\//.test(o.apiVersion))) {
    throw new BadRequestError(`the body's apiVersion "${o.apiVersion}" does not match the path (expected "${expectedApiVersion}")`);
  }
}

/** checkIdentity requires the body's name and namespace (when given) to match the path. */
export function checkIdentity(obj: KubeObject, r: ResourceInfo, namespace: string | undefined, name: string | undefined): void {
  const m = obj.metadata;
  if (m.namespace !== undefined && m.namespace !== '' && r.namespaced && namespace !== undefined && m.namespace !== namespace) {
    throw new BadRequestError(`the namespace of the provided object (${m.namespace}) does not match the namespace sent on the request (${namespace})`);
  }
  if (name !== undefined && m.name !== undefined && m.name !== '' && m.name !== name) {
    throw new BadRequestError(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
  }
  if (r.namespaced) m.namespace = namespace;
  else delete m.namespace;
  if (name !== undefined) m.name = name;
}
