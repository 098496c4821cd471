/**
 * `flotctl get -w`: after the first table, one line per change. Rows still come from the server's
 * Table (a GET of the changed object); a deleted object prints its last known row. Widths only
 * grow, like kubectl's tabwriter with RememberWidths, so columns stay put.
 */
import { isGone, isNotFound, type ApiClient } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject, Table, WatchEvent } from '../../api/types.js';
import { formatObjects, type OutputFormat } from './output.js';
import { alignRow, tableCells } from './table-format.js';
import type { Context } from './context.js';

/** WatchRowsOptions say what to watch and how the first table looked. */
export interface WatchRowsOptions {
  namespace?: string;
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  format: OutputFormat;
  withNamespace: boolean;
  initial?: Table;
  noHeaders: boolean;
}

function rowKey(ns: string | undefined, name: string | undefined): string {
  return `${ns ?? ''}/${name ?? ''}`;
}

/** watchRows prints a line per watch event until the process is stopped. */
export async function watchRows(ctx: Context, client: ApiClient, r: ResourceInfo, o: WatchRowsOptions): Promise<never> {
  const fieldSelector = [o.fieldSelector, o.name ? `metadata.name=${o.name}` : undefined].filter(Boolean).join(',') || undefined;
  const sel = { namespace: o.namespace, labelSelector: o.labelSelector, fieldSelector };
  let rv = o.resourceVersion;
  const table = o.format === undefined || o.format === 'wide';
  const lastCells = new Map<string, string[]>();
  let widths: number[] = [];
  let headerDone = o.noHeaders;
  const grow = (cells: string[]): void => {
    cells.forEach((c, i) => {
      if ((widths[i] ?? 0) < c.length) widths[i] = c.length;
    });
  };
  if (o.initial) {
    const { header, rows } = tableCells(o.initial, { withNamespace: o.withNamespace });
    if (o.initial.rows.length) headerDone = true;
    if (!o.noHeaders) grow(header);
    rows.forEach((cells, i) => {
      grow(cells);
      const meta = (o.initial!.rows[i].object as KubeObject | undefined)?.metadata;
      lastCells.set(rowKey(meta?.namespace ?? o.namespace, meta?.name ?? cells[o.withNamespace ? 1 : 0]), cells);
    });
  }

  const printObject = async (ev: WatchEvent): Promise<void> => {
    const meta = ev.object.metadata;
    const key = rowKey(meta.namespace ?? o.namespace, meta.name);
    if (!table) {
      ctx.out.write(await formatObjects(r, [ev.object], o.format as 'yaml' | 'json' | 'name', true));
      if (o.format === 'yaml') ctx.out.write('---\n');
      return;
    }
    let cells = lastCells.get(key);
    let header: string[] | undefined;
    if (ev.type !== 'DELETED') {
      try {
        const t = await client.table(r, { namespace: meta.namespace, name: meta.name ?? '', wide: o.format === 'wide' });
        const got = tableCells(t, { withNamespace: o.withNamespace });
        if (got.rows[0]) {
          cells = got.rows[0];
          header = got.header;
          lastCells.set(key, cells);
        }
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    } else {
      lastCells.delete(key);
    }
    if (!cells) return;
    if (!headerDone && header) {
      grow(header);
      grow(cells);
      ctx.out.write(`${alignRow(header, widths)}\n`);
      headerDone = true;
    }
    grow(cells);
    ctx.out.write(`${alignRow(cells, widths)}\n`);
  };

  for (;;) {
    if (!rv) rv = (await client.list(r, { ...sel, limit: 1 })).metadata?.resourceVersion;
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const handle = client.watch(r, { ...sel, resourceVersion: rv, allowWatchBookmarks: true }, (ev) => {
      queue.push(ev);
      wake?.();
    });
    let ended = false;
    let failure: unknown;
    handle.done.then(() => (ended = true), (e) => ((failure = e), (ended = true))).finally(() => wake?.());
    while (!ended || queue.length) {
      const ev = queue.shift();
      if (!ev) {
        await new Promise<void>((res) => (wake = res));
        wake = undefined;
        continue;
      }
      if (ev.type === 'ERROR') {
        failure = Object.assign(new Error((ev.object as unknown as { message?: string }).message ?? 'watch error'), { httpStatus: (ev.object as unknown as { code?: number }).code });
        handle.stop();
        break;
      }
      if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
      if (ev.type === 'BOOKMARK') continue;
      await printObject(ev);
    }
    if (failure) {
      if (isGone(failure) || (failure as { httpStatus?: number }).httpStatus === 410) rv = undefined;
      else throw failure;
    }
  }
}
