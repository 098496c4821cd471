/**
 * Server-side printing: when a client asks for `application/json;as=Table;g=meta.k8s.io;v=v1`
 * (or v1beta1, as kubectl also offers), list and get answers are meta.k8s.io Tables built by the
 * printers, each row carrying the object's metadata (or the whole object with includeObject=Object).
 */
import type { KubeObject, Table } from '../api/types.js';
import { printerFor } from './printers/index.js';

/** tableVersionWanted returns 'v1' or 'v1beta1' when the Accept header asks for a Table first, else undefined. */
export function tableVersionWanted(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  if (!accept || !accept.includes('as=Table')) return undefined;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((s) => s.trim());
    const media = params[0];
    if (media !== 'application/json' && media !== '*/*') continue;
    const kv = new Map(params.slice(1).map((p) => p.split('=') as [string, string]));
    if (kv.get('as') === 'Table' && (kv.get('g') ?? 'meta.k8s.io') === 'meta.k8s.io') {
      const v = kv.get('v') ?? 'v1';
      if (v === 'v1' || v === 'v1beta1') return v;
    }
    if (!kv.has('as')) return undefined;
  }
  return undefined;
}

function rowObject(o: KubeObject, include: string): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** buildTable prints objects of one kind as a Table; includeObject is None, Metadata (default) or Object. */
export function buildTable(kind: string, objs: readonly KubeObject[], resourceVersion: string | undefined, version: 'v1' | 'v1beta1' = 'v1', includeObject = 'Metadata', nowMs = Date.now(), withColumns = true): Table {
  const p = printerFor(kind);
  const table = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: resourceVersion ? { resourceVersion } : {},
    columnDefinitions: withColumns ? p.columns : [],
    rows: objs.map((o) => {
      const row: { cells: unknown[]; object?: unknown } = { cells: p.row(o, nowMs) };
      const ro = rowObject(o, includeObject);
      if (ro !== undefined) row.object = ro;
      return row;
    }),
  };
  return table as Table;
}
