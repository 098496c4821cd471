/**
 * The request router: health and discovery paths, then resource paths dispatched by verb to the
 * read, write and subresource handlers. It only decodes and dispatches; the handlers decide.
 */
import { MethodNotAllowedError, NotFoundError } from '../api/errors.js';
import { type ApiContext, type ApiRequest, type ApiResponse, asObject, sendJson } from './context.js';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery.js';
import { decodeBody, parseResourcePath, patchTypeOf, queryBool, queryString, readBody, type ResourcePath } from './request.js';
import { getObject, listObjects, watchObjects } from './rest-read.js';
import { createObject, deleteObject, deleteOptionsFrom, patchObject, updateObject } from './rest-write.js';
import { bindPod, getScale, writeScale } from './subresources.js';
import { proxyPodLog } from './logs-proxy.js';
import { filterFromQuery } from './rest-read.js';
import { apiVersionOf } from '../api/resources.js';

type Query = Record<string, unknown>;

/** routeDiscovery answers the discovery paths; returns false when the path is not one. */
export function routeDiscovery(path: string, res: ApiResponse, serverAddress: string): boolean {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/version') return sendJson(res, 200, versionInfo()), true;
  if (p === '/api') return sendJson(res, 200, coreVersions(serverAddress)), true;
  if (p === '/apis') return sendJson(res, 200, groupList()), true;
  const core = /^\/api\/([^/]+)$/.exec(p);
  if (core) {
    const doc = resourceList('', core[1]!);
    if (!doc) throw new NotFoundError(`the server could not find the requested resource: ${p}`);
    return sendJson(res, 200, doc), true;
  }
  const g = /^\/apis\/([^/]+)$/.exec(p);
  if (g) {
    const doc = group(g[1]!);
    if (!doc) throw new NotFoundError(`the server could not find the requested resource: ${p}`);
    return sendJson(res, 200, doc), true;
  }
  const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (gv) {
    const doc = resourceList(gv[1]!, gv[2]!);
    if (!doc) throw new NotFoundError(`the server could not find the requested resource: ${p}`);
    return sendJson(res, 200, doc), true;
  }
  return false;
}

async function body(req: ApiRequest): Promise<unknown> {
  return decodeBody(await readBody(req), req.headers['content-type']);
}

async function optionalBody(req: ApiRequest): Promise<unknown> {
  const raw = await readBody(req);
  if (raw.length === 0 || raw.toString('utf8').trim() === '') return undefined;
  return decodeBody(raw, req.headers['content-type']);
}

function notAllowed(req: ApiRequest, rp: ResourcePath): never {
  const what = rp.subresource ? `${rp.resource.plural}/${rp.subresource}` : rp.name ? `a ${rp.resource.singular}` : `the ${rp.resource.plural} collection`;
  throw new MethodNotAllowedError(`the server does not allow ${req.method} on ${what}`);
}

async function routeCollection(ctx: ApiContext, req: ApiRequest, res: ApiResponse, rp: ResourcePath, query: Query): Promise<void> {
  const r = rp.resource;
  switch (req.method) {
    case 'GET':
      if (queryBool(query, 'watch')) return watchObjects(ctx, r, rp.namespace, req, res, query);
      return listObjects(ctx, r, rp.namespace, req, res, query);
    case 'POST': {
      if (r.namespaced && rp.namespace === undefined) throw new MethodNotAllowedError(`create ${r.plural} needs a namespace in the path (/namespaces/NS/${r.plural})`);
      const dryRun = queryString(query, 'dryRun') !== undefined;
      const made = await createObject(ctx, r, rp.namespace, asObject(await body(req)), dryRun);
      return sendJson(res, 201, made);
    }
    case 'DELETE': {
      const opts = deleteOptionsFrom(query, await optionalBody(req));
      const filter = filterFromQuery(query, rp.namespace);
      const { items } = await ctx.storage.list(r, rp.namespace);
      const out = [];
      for (const o of items.filter((x) => filter.matches(x))) {
        try {
          const d = await deleteObject(ctx, r, o.metadata.namespace, o.metadata.name!, opts);
          out.push((d as { kind?: string }).kind === 'Status' ? o : d);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
      return sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: {}, items: out });
    }
    default:
      notAllowed(req, rp);
  }
}

async function routeObject(ctx: ApiContext, req: ApiRequest, res: ApiResponse, rp: ResourcePath, query: Query): Promise<void> {
  const r = rp.resource;
  const name = rp.name!;
  if (r.namespaced && rp.namespace === undefined) throw new NotFoundError(`${r.plural} "${name}": a namespaced resource needs /namespaces/NS/ in its path`);
  const ns = rp.namespace;
  const sub = rp.subresource;
  if (sub === 'log') {
    if (req.method !== 'GET') notAllowed(req, rp);
    return proxyPodLog(ctx, ns!, name, req, res, query);
  }
  if (sub === 'binding') {
    if (req.method !== 'POST') notAllowed(req, rp);
    return sendJson(res, 201, await bindPod(ctx, r, ns!, name, await body(req)));
  }
  if (sub === 'scale') {
    if (req.method === 'GET') return sendJson(res, 200, await getScale(ctx, r, ns!, name));
    if (req.method === 'PUT') return sendJson(res, 200, await writeScale(ctx, r, ns!, name, await body(req)));
    if (req.method === 'PATCH') {
      const type = patchTypeOf(req.headers['content-type']);
      return sendJson(res, 200, await writeScale(ctx, r, ns!, name, decodeBody(await readBody(req), req.headers['content-type']), type));
    }
    notAllowed(req, rp);
  }
  const status = sub === 'status' ? 'status' : undefined;
  switch (req.method) {
    case 'GET':
      return getObject(ctx, r, ns, name, req, res, query);
    case 'PUT':
      return sendJson(res, 200, await updateObject(ctx, r, ns, name, asObject(await body(req)), status));
    case 'PATCH': {
      const type = patchTypeOf(req.headers['content-type']);
      const patch = decodeBody(await readBody(req), req.headers['content-type']);
      return sendJson(res, 200, await patchObject(ctx, r, ns, name, patch, type, status));
    }
    case 'DELETE': {
      if (status) notAllowed(req, rp);
      const opts = deleteOptionsFrom(query, await optionalBody(req));
      return sendJson(res, 200, await deleteObject(ctx, r, ns, name, opts));
    }
    default:
      notAllowed(req, rp);
  }
}

/** routeResource handles a resource path; returns false when the path is not one. */
export async function routeResource(ctx: ApiContext, req: ApiRequest, res: ApiResponse, path: string, query: Query): Promise<boolean> {
  const rp = parseResourcePath(path);
  if (!rp) return false;
  if (rp.name === undefined) await routeCollection(ctx, req, res, rp, query);
  else await routeObject(ctx, req, res, rp, query);
  return true;
}
