/**
 * The reading verbs: get, list (label and field selectors, one namespace or all) and watch
 * (newline-delimited JSON events after a resourceVersion, bookmarks, timeout), each optionally
 * printed as a Table.
 */
import { apiVersionOf, type ResourceInfo } from '../api/resources.js';
import { BadRequestError, GoneError, NotFoundError, statusFromError } from '../api/errors.js';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from '../api/selectors.js';
import type { KubeObject, WatchEvent } from '../api/types.js';
import { type ApiContext, type ApiRequest, type ApiResponse, sendJson, startStream } from './context.js';
import { queryBool, queryInt, queryString } from './request.js';
import { buildTable, tableVersionWanted } from './table.js';
import type { ChangeEvent, WatchedType } from './watch-hub.js';

type Query = Record<string, unknown>;

/** ObjectFilter is a parsed namespace + label + field filter. */
export interface ObjectFilter {
  namespace?: string;
  /** True when the filter keeps every object (no namespace, no selectors): nothing needs decoding to apply it. */
  everything: boolean;
  /** True when only the namespace filters (no selectors): an object's key tells, without decoding it. */
  namespaceOnly: boolean;
  matches(obj: KubeObject): boolean;
}

/** filterFromQuery parses labelSelector and fieldSelector (400 when they do not parse). */
export function filterFromQuery(query: Query, namespace: string | undefined): ObjectFilter {
  const labels = parseLabelSelector(queryString(query, 'labelSelector') ?? '');
  const fields = parseFieldSelector(queryString(query, 'fieldSelector') ?? '');
  const f: ObjectFilter = {
    everything: namespace === undefined && labels.length === 0 && fields.length === 0,
    namespaceOnly: namespace !== undefined && labels.length === 0 && fields.length === 0,
    matches: (o) => (namespace === undefined || o.metadata.namespace === namespace) && matchLabels(labels, o.metadata.labels) && matchFields(fields, o),
  };
  if (namespace !== undefined) f.namespace = namespace;
  return f;
}

/** getObject answers GET on one object (as a Table when asked). */
export async function getObject(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, name: string, req: ApiRequest, res: ApiResponse, query: Query): Promise<void> {
  const cur = await ctx.storage.get(r, namespace, name);
  if (!cur) throw NotFoundError.object(r.plural, name, r.group);
  const tv = tableVersionWanted(req.headers.accept);
  if (tv) return sendJson(res, 200, buildTable(r.kind, [cur.obj], cur.modRevision, tv, queryString(query, 'includeObject') ?? 'Metadata'));
  sendJson(res, 200, cur.obj);
}

/** listObjects answers GET on a collection: every matching object and the revision to watch from. */
export async function listObjects(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, req: ApiRequest, res: ApiResponse, query: Query): Promise<void> {
  const filter = filterFromQuery(query, namespace);
  const { items, revision } = await ctx.storage.list(r, namespace);
  const matching = items.filter((o) => filter.matches(o));
  const tv = tableVersionWanted(req.headers.accept);
  if (tv) return sendJson(res, 200, buildTable(r.kind, matching, revision, tv, queryString(query, 'includeObject') ?? 'Metadata'));
  sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: { resourceVersion: revision }, items: matching });
}

/** watchEventsFor maps one stored change to the watch events a filtered watcher sees (label transitions included). */
export function watchEventsFor(e: ChangeEvent, filter: ObjectFilter): WatchedType | undefined {
  // An object's namespace never changes, so a namespace alone sees an object throughout or never.
  if (filter.everything || (filter.namespaceOnly && e.namespace === filter.namespace)) return e.type === 'delete' ? 'DELETED' : e.hasPrev && !e.created ? 'MODIFIED' : 'ADDED';
  if (filter.namespaceOnly) return undefined;
  if (e.type === 'delete') return filter.matches(e.obj) ? 'DELETED' : undefined;
  const now = filter.matches(e.obj);
  const before = e.prev !== undefined && !e.created ? filter.matches(e.prev) : false;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/** watchObjects streams events after ?resourceVersion (or the current objects as ADDED first when it is unset or 0). */
export async function watchObjects(ctx: ApiContext, r: ResourceInfo, namespace: string | undefined, req: ApiRequest, res: ApiResponse, query: Query): Promise<void> {
  const filter = filterFromQuery(query, namespace);
  const rvText = queryString(query, 'resourceVersion');
  if (rvText !== undefined && rvText !== '' && !/^\d+$/.test(rvText)) throw new BadRequestError(`resourceVersion "${rvText}" is not a valid resource version`);
  const timeoutSeconds = queryInt(query, 'timeoutSeconds');
  const bookmarks = queryBool(query, 'allowWatchBookmarks');
  const tv = tableVersionWanted(req.headers.accept);
  const include = queryString(query, 'includeObject') ?? 'Metadata';

  let initial: KubeObject[] = [];
  let from: number;
  if (rvText === undefined || rvText === '' || rvText === '0') {
    const { items, revision } = await ctx.storage.list(r, namespace);
    initial = items.filter((o) => filter.matches(o));
    from = Number(revision);
  } else {
    from = Number(rvText);
    if (!ctx.hub.hub(r).covers(from)) await ctx.storage.checkNotCompacted(String(from + 1));
  }

  const out = startStream(res, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  let progress = from;
  let closed = false;
  let firstTable = true;
  const write = (type: WatchEvent['type'], obj: unknown): void => {
    if (closed) return;
    let object = obj;
    if (tv && type !== 'ERROR' && type !== 'BOOKMARK') {
      object = buildTable(r.kind, [obj as KubeObject], (obj as KubeObject).metadata.resourceVersion, tv, include, Date.now(), firstTable);
      firstTable = false;
    }
    out.write(JSON.stringify({ type, object }) + '\n');
  };
  const writeChange = (type: WatchedType, e: ChangeEvent): void => {
    if (closed) return;
    if (tv) return write(type, e.obj);
    out.write(e.line(type));
  };
  for (const o of initial) write('ADDED', o);

  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: (() => void) | undefined;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t), clearInterval(t);
    unsubscribe?.();
    res.end();
  };
  req.on('close', finish);
  res.on('close', finish);
  res.on('error', finish);
  unsubscribe = await ctx.hub.subscribe(r, from, {
    event: (e) => {
      progress = Math.max(progress, e.revision);
      const type = watchEventsFor(e, filter);
      if (type) writeChange(type, e);
    },
    end: (reason, gone) => {
      if (gone) write('ERROR', statusFromError(new GoneError(`too old resource version: ${from} (${reason})`)));
      finish();
    },
  });
  if (closed) {
    unsubscribe();
    return;
  }
  if (timeoutSeconds !== undefined) timers.push(setTimeout(finish, Math.max(1, timeoutSeconds) * 1000));
  if (bookmarks) {
    timers.push(setInterval(() => {
      const rv = Math.max(progress, ctx.hub.hub(r).covers(from) ? ctx.hub.hub(r).lastRevision : 0);
      write('BOOKMARK', { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(rv) } });
    }, ctx.bookmarkIntervalSeconds * 1000));
  }
}
