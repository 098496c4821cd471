/**
 * ApiClient is the typed HTTPS client every Flotilla component uses to talk to the API server:
 * CRUD, subresources, watches, server-side Tables and pod logs. Paths come from api/resources.ts.
 * It sits on every hot path (the scheduler's binds, bench:api), so a request is one headers object,
 * one JSON.stringify and one JSON.parse, over one HTTP/2 session (api/h2-session.ts).
 */
import type { ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import * as tls from 'node:tls';
import { PassThrough, type Readable } from 'node:stream';
import { ClientError, statusErrorFromBody } from './client-errors.js';
import { H2Session, type H2Call } from './h2-session.js';
import { collectionPath, objectPath, resourceByName, type ResourceInfo } from './resources.js';
import type { Binding, KubeObject, List, Scale, Status, Table, WatchEvent } from './types.js';
import type { ClientConfig } from './config.js';
import type { ApiClientOptions, DeleteOptions, ListOptions, LogOptions, ResourceRef, TableOptions, WatchHandle, WatchOptions } from './client-types.js';

export { ApiError, StatusError, ClientError, isNotFound, isConflict, isAlreadyExists, isGone, isInvalid, isRetryable } from './client-errors.js';

export type { ApiClientOptions, ResourceRef, ListOptions, WatchOptions, WatchHandle, DeleteOptions, TableOptions, LogOptions } from './client-types.js';

/** TABLE_ACCEPT is the Accept header that asks the server for a meta.k8s.io/v1 Table. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const JSON_TYPE = 'application/json';
const MERGE_PATCH_TYPE = 'application/merge-patch+json';

interface RawResponse {
  status: number;
  body: string;
}

function addParam(q: string, key: string, value: string | number | boolean | undefined): string {
  if (value === undefined || value === '') return q;
  return `${q}${q ? '&' : '?'}${key}=${encodeURIComponent(String(value))}`;
}

/** resolveResource turns a ResourceRef into its ResourceInfo, or throws FLT_ERR_CLIENT_RESOURCE. */
export function resolveResource(res: ResourceRef): ResourceInfo {
  if (typeof res !== 'string') return res;
  const r = resourceByName(res);
  if (!r) throw new ClientError('FLT_ERR_CLIENT_RESOURCE', `the server doesn't have a resource type "${res}"`);
  return r;
}

/** ApiClient talks to one API server. Create one per process and share it: all its requests share one connection. */
export class ApiClient {
  readonly server: string;
  private readonly basePath: string;
  private readonly h2: H2Session;
  private readonly timeoutMs: number;
  /** Lowercase names: HTTP/2 sends them so, and a header given twice in two cases is refused. */
  private readonly baseHeaders: Record<string, string>;

  constructor(opts: ApiClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.server);
    } catch {
      throw new ClientError('FLT_ERR_CLIENT_CONNECT', `server "${opts.server}" is not a URL (want https://HOST:PORT)`);
    }
    // The API server serves HTTPS only, and a bearer token must not travel in clear text.
    if (u.protocol !== 'https:') {
      throw new ClientError('FLT_ERR_CLIENT_CONNECT', `server "${opts.server}" must be an https:// URL`);
    }
    this.server = opts.server.replace(/\/+$/, '');
    this.basePath = u.pathname.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    // One SecureContext for every connection: passing `ca` per connection made tls.connect parse
    // the CA and build a new context (~1 ms of CPU) each time.
    this.h2 = new H2Session(u.origin, { secureContext: tls.createSecureContext({ ca: opts.ca }), rejectUnauthorized: !opts.insecureSkipTLSVerify });
    this.baseHeaders = { 'user-agent': opts.userAgent ?? 'flotilla-client/0.1', accept: JSON_TYPE };
    if (opts.token) this.baseHeaders.authorization = `Bearer ${opts.token}`;
  }

  /** ApiClient.fromConfig builds a client from a loaded ClientConfig (see api/config.ts). */
  static fromConfig(cfg: ClientConfig, extra?: { userAgent?: string; timeoutMs?: number }): ApiClient {
    return new ApiClient({ server: cfg.server, token: cfg.token, ca: cfg.ca, insecureSkipTLSVerify: cfg.insecureSkipTLSVerify, ...extra });
  }

  /** close ends the connection (requests and watches in flight fail) so a process can exit at once. */
  close(): void {
    this.h2.close();
  }

  // ------------------------------------------------------------------ transport

  private send(method: string, path: string, body: string | undefined, contentType: string, accept?: string, extra?: Record<string, string>): Promise<RawResponse> {
    const headers: OutgoingHttpHeaders = { ':method': method, ':path': this.basePath + path, ...this.baseHeaders };
    if (accept) headers.accept = accept;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = Buffer.byteLength(body);
    }
    if (extra) for (const k of Object.keys(extra)) headers[k.toLowerCase()] = extra[k];
    return new Promise<RawResponse>((resolve, reject) => {
      const answer: RawResponse = { status: 0, body: '' };
      this.h2.request(
        {
          headers, body, idempotent: method === 'GET', timeoutMs: this.timeoutMs,
          timeoutError: () => new ClientError('FLT_ERR_CLIENT_TIMEOUT', `${method} ${this.server}${path}: no answer within ${this.timeoutMs} ms`),
        },
        {
          response: (status, stream) => {
            answer.status = status;
            stream.setEncoding('utf8');
            stream.on('data', (c: string) => (answer.body += c));
          },
          done: () => resolve(answer),
          fail: (e) => reject(this.transportError(method, path, e)),
        },
      );
    });
  }

  private transportError(method: string, path: string, e: Error): Error {
    if (e instanceof ClientError) return e;
    return new ClientError('FLT_ERR_CLIENT_CONNECT', `${method} ${this.server}${path}: ${e.message}`, { cause: e });
  }

  private async json<T>(method: string, path: string, body?: string, contentType = JSON_TYPE, accept?: string): Promise<T> {
    const r = await this.send(method, path, body, contentType, accept);
    if (r.status < 200 || r.status > 299) throw statusErrorFromBody(r.status, r.body);
    try {
      return JSON.parse(r.body) as T;
    } catch (e) {
      throw new ClientError('FLT_ERR_CLIENT_DECODE', `${method} ${path}: the server's answer is not JSON: ${r.body.slice(0, 200)}`, { cause: e });
    }
  }

  /** request sends any request; `body` objects are JSON-encoded; the decoded JSON answer is returned. */
  async request<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const ct = headers?.['Content-Type'] ?? JSON_TYPE;
    const r = await this.send(method, path, text, ct, headers?.Accept, headers);
    if (r.status < 200 || r.status > 299) throw statusErrorFromBody(r.status, r.body);
    if (!r.body) return undefined as T;
    try {
      return JSON.parse(r.body) as T;
    } catch {
      return r.body as T;
    }
  }

  // ------------------------------------------------------------------ objects

  /** get reads one object. */
  async get<T extends KubeObject = KubeObject>(res: ResourceRef, name: string, namespace?: string): Promise<T> {
    return this.json<T>('GET', objectPath(resolveResource(res), name, namespace));
  }

  /** list reads a collection (in one namespace, or across all when namespace is absent). */
  async list<T extends KubeObject = KubeObject>(res: ResourceRef, opts: ListOptions = {}): Promise<List<T>> {
    let q = addParam('', 'labelSelector', opts.labelSelector);
    q = addParam(q, 'fieldSelector', opts.fieldSelector);
    q = addParam(q, 'limit', opts.limit);
    q = addParam(q, 'continue', opts.continue);
    q = addParam(q, 'resourceVersion', opts.resourceVersion);
    return this.json<List<T>>('GET', collectionPath(resolveResource(res), opts.namespace) + q);
  }

  /** create stores a new object; the namespace defaults to obj.metadata.namespace. */
  async create<T extends KubeObject = KubeObject>(res: ResourceRef, obj: T, namespace?: string): Promise<T> {
    const r = resolveResource(res);
    return this.json<T>('POST', collectionPath(r, namespace ?? obj.metadata?.namespace), JSON.stringify(obj));
  }

  /** update replaces an object (PUT); obj.metadata.resourceVersion makes it conditional (409 when stale). */
  async update<T extends KubeObject = KubeObject>(res: ResourceRef, obj: T): Promise<T> {
    return this.json<T>('PUT', objectPath(resolveResource(res), obj.metadata.name ?? '', obj.metadata.namespace), JSON.stringify(obj));
  }

  /** updateStatus replaces the status subresource (PUT .../status). */
  async updateStatus<T extends KubeObject = KubeObject>(res: ResourceRef, obj: T): Promise<T> {
    return this.json<T>('PUT', objectPath(resolveResource(res), obj.metadata.name ?? '', obj.metadata.namespace, 'status'), JSON.stringify(obj));
  }

  /** patch applies a JSON merge patch (RFC 7386) to an object or one of its subresources. */
  async patch<T extends KubeObject = KubeObject>(res: ResourceRef, name: string, mergePatch: unknown, namespace?: string, subresource?: string): Promise<T> {
    const body = typeof mergePatch === 'string' ? mergePatch : JSON.stringify(mergePatch);
    return this.json<T>('PATCH', objectPath(resolveResource(res), name, namespace, subresource), body, MERGE_PATCH_TYPE);
  }

  /** delete removes an object; the answer is the object (when deletion is graceful) or a Status. */
  async delete<T extends KubeObject = KubeObject>(res: ResourceRef, name: string, opts: DeleteOptions = {}): Promise<T | Status> {
    let q = addParam('', 'gracePeriodSeconds', opts.gracePeriodSeconds);
    q = addParam(q, 'propagationPolicy', opts.propagationPolicy);
    let body: string | undefined;
    if (opts.gracePeriodSeconds !== undefined || opts.propagationPolicy || opts.preconditions) {
      body = JSON.stringify({
        kind: 'DeleteOptions', apiVersion: 'v1',
        gracePeriodSeconds: opts.gracePeriodSeconds, propagationPolicy: opts.propagationPolicy, preconditions: opts.preconditions,
      });
    }
    return this.json<T | Status>('DELETE', objectPath(resolveResource(res), name, opts.namespace) + q, body);
  }

  /** bind assigns a pod to a node (POST pods/NAME/binding); 409 when it is already bound. */
  async bind(namespace: string, podName: string, nodeName: string): Promise<Status> {
    const binding: Binding = {
      apiVersion: 'v1', kind: 'Binding', metadata: { name: podName, namespace },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    return this.json<Status>('POST', objectPath(resolveResource('pods'), podName, namespace, 'binding'), JSON.stringify(binding));
  }

  /** getSubresource reads a subresource of an object (status, scale). */
  async getSubresource<T = unknown>(res: ResourceRef, name: string, subresource: string, namespace?: string): Promise<T> {
    return this.json<T>('GET', objectPath(resolveResource(res), name, namespace, subresource));
  }

  /** getScale reads the scale subresource of a Deployment or ReplicaSet. */
  async getScale(res: ResourceRef, name: string, namespace?: string): Promise<Scale> {
    return this.getSubresource<Scale>(res, name, 'scale', namespace);
  }

  /** scale sets spec.replicas through the scale subresource (a merge patch of {spec:{replicas}}). */
  async scale(res: ResourceRef, name: string, replicas: number, namespace?: string): Promise<Scale> {
    return this.json<Scale>('PATCH', objectPath(resolveResource(res), name, namespace, 'scale'), JSON.stringify({ spec: { replicas } }), MERGE_PATCH_TYPE);
  }

  /** table asks the server to print a collection (or one object) as a meta.k8s.io/v1 Table. */
  async table(res: ResourceRef, opts: TableOptions = {}): Promise<Table> {
    const r = resolveResource(res);
    let path: string;
    if (opts.name) {
      path = objectPath(r, opts.name, opts.namespace);
    } else {
      let q = addParam('', 'labelSelector', opts.labelSelector);
      q = addParam(q, 'fieldSelector', opts.fieldSelector);
      path = collectionPath(r, opts.namespace) + q;
    }
    const t = await this.json<Table>('GET', path, undefined, JSON_TYPE, TABLE_ACCEPT);
    if (t?.kind !== 'Table' || !Array.isArray(t.columnDefinitions) || !Array.isArray(t.rows)) {
      throw new ClientError('FLT_ERR_CLIENT_DECODE', `GET ${path}: the server did not answer with a Table (kind ${String(t?.kind)})`);
    }
    return opts.wide ? t : narrowTable(t);
  }

  // ------------------------------------------------------------------ streams

  /** openStream GETs a streamed answer (watch, log): `to` gets a 2xx body and its end, or the error (a non-2xx answer too), even midway. */
  private openStream(path: string, idleTimeoutMs: number | undefined, to: { body(stream: ClientHttp2Stream): void; end(): void; error(e: Error): void }): H2Call {
    let refusal: { code: number; text: string } | undefined;
    return this.h2.request(
      {
        headers: { ':method': 'GET', ':path': this.basePath + path, ...this.baseHeaders }, idempotent: true, timeoutMs: idleTimeoutMs,
        timeoutError: () => new ClientError('FLT_ERR_CLIENT_TIMEOUT', `GET ${this.server}${path}: no data for ${idleTimeoutMs} ms`),
      },
      {
        response: (code, stream) => {
          if (code >= 200 && code <= 299) return to.body(stream);
          const r = (refusal = { code, text: '' });
          stream.setEncoding('utf8');
          stream.on('data', (c: string) => (r.text += c));
        },
        done: () => (refusal ? to.error(statusErrorFromBody(refusal.code, refusal.text)) : to.end()),
        fail: (e) => to.error(this.transportError('GET', path, e)),
      },
    );
  }

  /**
   * watch streams a collection's changes as WatchEvents (ERROR events carry a Status and are passed
   * on as they come). `done` resolves when the server ends the stream or stop() is called, and
   * rejects with a StatusError (410 Gone: relist) or a ClientError.
   */
  watch<T extends KubeObject = KubeObject>(res: ResourceRef, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    let q = '?watch=true';
    q = addParam(q, 'resourceVersion', opts.resourceVersion);
    q = addParam(q, 'labelSelector', opts.labelSelector);
    q = addParam(q, 'fieldSelector', opts.fieldSelector);
    if (opts.allowWatchBookmarks) q += '&allowWatchBookmarks=true';
    q = addParam(q, 'timeoutSeconds', opts.timeoutSeconds);
    const path = collectionPath(resolveResource(res), opts.namespace) + q;
    let stopped = false;
    let settle!: (e?: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      let settled = false;
      settle = (e) => {
        if (settled) return;
        settled = true;
        if (e && !stopped) reject(e);
        else resolve();
      };
    });
    const call = this.openStream(path, opts.idleTimeoutMs, {
      body: (resp) => {
        resp.setEncoding('utf8');
        let buf = '';
        resp.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while (!stopped && (nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            let ev: WatchEvent<T>;
            try {
              ev = JSON.parse(line) as WatchEvent<T>;
            } catch (e) {
              call.cancel();
              settle(new ClientError('FLT_ERR_CLIENT_DECODE', `watch ${path}: a line is not JSON: ${line.slice(0, 200)}`, { cause: e }));
              return;
            }
            try {
              onEvent(ev);
            } catch (e) {
              call.cancel();
              settle(e as Error);
              return;
            }
          }
        });
      },
      end: () => settle(),
      error: (e) => settle(e),
    });
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        call.cancel();
        settle();
      },
      done,
    };
  }

  /** logs opens a pod's log (pods/NAME/log) as a byte stream; follow keeps it open while the container runs. */
  async logs(namespace: string, pod: string, opts: LogOptions = {}): Promise<Readable> {
    let q = addParam('', 'container', opts.container);
    if (opts.follow) q = addParam(q, 'follow', 'true');
    q = addParam(q, 'tailLines', opts.tailLines);
    if (opts.timestamps) q = addParam(q, 'timestamps', 'true');
    if (opts.previous) q = addParam(q, 'previous', 'true');
    q = addParam(q, 'sinceSeconds', opts.sinceSeconds);
    const path = objectPath(resolveResource('pods'), pod, namespace, 'log') + q;
    // A PassThrough, not the HTTP/2 stream: a failure midway must reach the reader as 'error'
    // (a stream reset by a dying session just closes), and destroying it must cancel the stream.
    return new Promise<Readable>((resolve, reject) => {
      const out = new PassThrough();
      let answered = false;
      const call = this.openStream(path, opts.follow ? undefined : this.timeoutMs, {
        body: (stream) => {
          answered = true;
          stream.pipe(out, { end: false });
          resolve(out);
        },
        end: () => out.end(),
        error: (e) => (answered ? out.destroy(e) : reject(e)),
      });
      out.once('close', () => call.cancel());
    });
  }
}

/** narrowTable drops the columns of priority > 0 (the -o wide ones) from a Table, cells included. */
export function narrowTable(t: Table): Table {
  const keep: number[] = [];
  t.columnDefinitions.forEach((c, i) => {
    if (!c.priority) keep.push(i);
  });
  if (keep.length === t.columnDefinitions.length) return t;
  return {
    ...t,
    columnDefinitions: keep.map((i) => t.columnDefinitions[i]),
    rows: t.rows.map((r) => ({ ...r, cells: keep.map((i) => r.cells[i]) })),
  };
}
