/**
 * startApiServer: the Flotilla API server. HTTPS (CA and serving certificate made at first start
 * in the data dir), HTTP/2 with HTTP/1.1 for clients that do not offer h2, bearer-token auth, and
 * our own routing (no framework on the hot path of a pod create) onto etcd storage with a watch hub
 * and a namespace cache. Without etcd endpoints it runs its own etcd under the data dir.
 */
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import { pino, type Logger } from 'pino';
import { Etcd3 } from 'etcd3';
import { H2_SESSION_OPTIONS, H2_WINDOW_BYTES } from '../api/h2-session.js';
import { RESOURCES } from '../api/resources.js';
import { compileValidators } from '../api/validation.js';
import { ApiError, NotFoundError, statusFromError } from '../api/errors.js';
import { Authenticator, ensureAdminToken, UNAUTHENTICATED_PATHS } from './auth.js';
import { ensureTls } from './certs.js';
import { type ApiContext, type ApiRequest, type ApiResponse, sendJson } from './context.js';
import { startEtcdProcess, type EtcdProcess } from './etcd-process.js';
import { NamespaceCache } from './namespaces.js';
import { routeDiscovery, routeResource } from './router.js';
import { openApiDocument, openApiIndex } from './openapi.js';
import { Storage } from './storage.js';
import { EtcdKv } from './etcd-kv.js';
import { startCompactor } from './compactor.js';
import { NamespaceFinalizer } from './namespace-finalizer.js';
import { WatchHub } from './watch-hub.js';

/** MAX_STREAMS_PER_CONNECTION bounds the requests and watches one HTTP/2 client has open at once; more wait their turn. */
const MAX_STREAMS_PER_CONNECTION = 1000;

/** ApiServerOptions configures startApiServer. */
export interface ApiServerOptions {
  /** host:port to listen on; default 127.0.0.1:6443; port 0 picks a free port. */
  listen?: string;
  /** Where the CA, certificates, token (and the own etcd's data) live. */
  dataDir: string;
  /** etcd client URLs; when absent the server starts its own etcd under dataDir/etcd. */
  etcdEndpoints?: string[];
  /** pino level: fatal, error, warn, info (default), debug, trace, silent. */
  logLevel?: string;
  /** Seconds between watch BOOKMARK events (default 10). */
  bookmarkIntervalSeconds?: number;
  /** Seconds between etcd history compactions (default 300; 0 turns compaction off). */
  compactionIntervalSeconds?: number;
}

/** ApiServer is a running server: where it is, how to trust and authenticate to it, and close(). */
export interface ApiServer {
  /** https://host:port */
  url: string;
  token: string;
  caFile: string;
  caPem: string;
  etcdEndpoints: string[];
  /** The shared server state (storage, watch hub) for in-process components and tests. */
  context: ApiContext;
  close(): Promise<void>;
}

/** parseListen splits host:port ([v6]:port too); 400-style Error when malformed. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(listen.trim());
  if (!m || Number(m[2]) > 65535) throw new Error(`--listen "${listen}" must be HOST:PORT (for example 127.0.0.1:6443 or 0.0.0.0:6443)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** splitUrl separates a request URL into its decoded-later path and its query parameters. */
export function splitUrl(url: string): { path: string; query: Record<string, unknown> } {
  const q = url.indexOf('?');
  if (q < 0) return { path: url, query: {} };
  return { path: url.slice(0, q), query: parseQuery(url.slice(q + 1)) as Record<string, unknown> };
}

/**
 * buildHandler is the request handler: health, auth, OpenAPI, discovery, resources, then a 404;
 * any throw becomes a Status. It is a plain request handler, called with node:http2's compat
 * objects or node:http's (express cost 0.2 ms of CPU per request, over a tenth of a pod create,
 * and the routing is ours anyway).
 */
function buildHandler(ctx: ApiContext, auth: Authenticator, log: Logger, serverAddress: () => string): (req: ApiRequest, res: ApiResponse) => void {
  const handle = async (req: ApiRequest, res: ApiResponse, path: string, query: Record<string, unknown>): Promise<void> => {
    if (UNAUTHENTICATED_PATHS.has(path) || path.startsWith('/healthz/') || path.startsWith('/readyz/') || path.startsWith('/livez/')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    auth.authenticate(req.headers.authorization);
    if (path === '/openapi/v3' || path === '/openapi/v3/') return sendJson(res, 200, openApiIndex());
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiDocument(path.slice('/openapi/v3/'.length).replace(/\/+$/, ''));
      if (doc) return sendJson(res, 200, doc);
    }
    if (path.startsWith('/openapi') || path.startsWith('/swagger')) throw new NotFoundError(`the server does not serve this OpenAPI document (${path})`);
    if (routeDiscovery(path, res, serverAddress())) return;
    if (await routeResource(ctx, req, res, path, query)) return;
    throw new NotFoundError(`the server could not find the requested resource: ${path}`);
  };
  return (req, res) => {
    const started = log.isLevelEnabled('debug') ? process.hrtime.bigint() : 0n;
    let path = '/';
    const fail = (err: unknown): void => {
      const status = statusFromError(err);
      if (status.code >= 500) log.warn({ method: req.method, path, code: status.code, err: err instanceof ApiError ? err.message : err }, 'request failed');
      else log.debug({ method: req.method, path, code: status.code, msg: status.message }, 'request refused');
      if (res.headersSent) {
        res.end();
        return;
      }
      sendJson(res, status.code, status);
    };
    if (started) res.on('finish', () => log.debug({ method: req.method, path, code: res.statusCode, http: req.httpVersion, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request'));
    try {
      const u = splitUrl(req.url ?? '/');
      path = u.path;
      handle(req, res, u.path, u.query).catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

/** startApiServer starts the API server and resolves once it accepts HTTPS requests. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { host, port } = parseListen(opts.listen ?? '127.0.0.1:6443');
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const log = pino({ level: opts.logLevel ?? 'info', base: { component: 'apiserver' } }, pino.destination(2));
  const tls = ensureTls(join(opts.dataDir, 'pki'), host);
  const token = ensureAdminToken(opts.dataDir);
  let ownEtcd: EtcdProcess | undefined;
  let endpoints = opts.etcdEndpoints ?? [];
  if (endpoints.length === 0) {
    ownEtcd = await startEtcdProcess({ dataDir: join(opts.dataDir, 'etcd'), logFile: join(opts.dataDir, 'etcd.log') });
    endpoints = ownEtcd.endpoints;
    log.info({ endpoints, pid: ownEtcd.pid }, 'started own etcd');
  }
  // etcd3 only compacts; reads, writes and watches go through EtcdKv.
  const etcd = new Etcd3({ hosts: endpoints, dialTimeout: 5000 });
  const kv = new EtcdKv(endpoints);
  const storage = new Storage(kv);
  const hub = new WatchHub(storage);
  const namespaces = new NamespaceCache(storage);
  let server: Http2SecureServer | undefined;
  const sockets = new Set<Socket>();
  try {
    const revision = Number(await storage.currentRevision());
    await hub.start(RESOURCES, revision);
    await namespaces.start(hub, revision);
    const ctx: ApiContext = { storage, hub, namespaces, log, adminToken: token, bookmarkIntervalSeconds: opts.bookmarkIntervalSeconds ?? 10 };
    let address = `${host}:${port}`;
    const handler = buildHandler(ctx, new Authenticator(token), log, () => address);
    server = createSecureServer({
      // noDelay as node:https sets it: node:http2 turns Nagle off for its sessions only, not for HTTP/1.1.
      key: tls.key, cert: tls.cert, allowHTTP1: true, noDelay: true, ...H2_SESSION_OPTIONS,
      // Room for every watch of a busy client (kube-apiserver allows 250 per connection).
      settings: { maxConcurrentStreams: MAX_STREAMS_PER_CONNECTION, initialWindowSize: H2_WINDOW_BYTES },
    }, handler);
    // For HTTP/1.1 connections, which node:http2 hands to node:http's connection handling.
    Object.assign(server, { keepAliveTimeout: 65_000 });
    server.on('session', (session: ServerHttp2Session) => session.setLocalWindowSize(H2_WINDOW_BYTES));
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, host, () => resolve());
    });
    const actual = (server.address() as AddressInfo).port;
    const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    address = `${urlHost}:${actual}`;
    const url = `https://${address}`;
    log.info({ url, dataDir: opts.dataDir }, 'API server listening');
    // Off the request path: the first pod create would otherwise wait for ajv to compile the Pod schema.
    compileValidators().catch((err) => log.error({ err }, 'compiling the object schemas failed'));
    const finalizer = new NamespaceFinalizer(ctx);
    ctx.finalizeNamespace = (name) => finalizer.kick(name);
    await finalizer.resume();
    const compactEvery = opts.compactionIntervalSeconds ?? 300;
    const compactor = compactEvery > 0 ? startCompactor(etcd, storage, log, compactEvery * 1000) : undefined;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        compactor?.stop();
        finalizer.stop();
        namespaces.stop();
        await hub.close();
        await new Promise<void>((resolve) => {
          server!.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
        etcd.close();
        await kv.close();
        await ownEtcd?.stop();
        log.flush?.();
      })());
    return { url, token, caFile: tls.caFile, caPem: tls.caPem, etcdEndpoints: endpoints, context: ctx, close };
  } catch (err) {
    await hub.close().catch(() => undefined);
    server?.close();
    etcd.close();
    await kv.close();
    await ownEtcd?.stop();
    throw err;
  }
}
