/**
 * Renders a server-side meta.k8s.io/v1 Table the way kubectl does: upper-case headers, columns
 * padded to their widest cell plus 3 spaces (kubectl's tabwriter: min width 6, padding 3), the last
 * column unpadded, empty cells as <none>, timestamps in the AGE style (5s, 3m4s, 2h, 4d).
 */
import { humanDuration } from '../../api/human-duration.js';
import type { Table, TableColumnDefinition } from '../../api/types.js';

/** TableFormatOptions: a NAMESPACE column first (-A), no header line, and the clock for ages. */
export interface TableFormatOptions {
  withNamespace?: boolean;
  noHeaders?: boolean;
  now?: number;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** cellText turns one cell into its printed text; date columns (or timestamps in an Age column) become ages. */
export function cellText(cell: unknown, col: TableColumnDefinition | undefined, now: number): string {
  if (cell === undefined || cell === null || cell === '') return '<none>';
  if (typeof cell === 'string') {
    const isDateCol = col?.type === 'date' || col?.format === 'date-time' || /^age$/i.test(col?.name ?? '');
    if (isDateCol && ISO_TIME.test(cell)) return humanDuration(now - Date.parse(cell));
    return cell;
  }
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  if (Array.isArray(cell)) return cell.length ? cell.map((c) => cellText(c, undefined, now)).join(',') : '<none>';
  return JSON.stringify(cell);
}

/** rowNamespace finds a row's namespace in its embedded object (PartialObjectMetadata or full object). */
export function rowNamespace(row: Table['rows'][number]): string {
  const o = row.object as { metadata?: { namespace?: string } } | undefined;
  return o?.metadata?.namespace ?? '';
}

/** tableCells gives the header and the text of every cell, NAMESPACE first when asked. */
export function tableCells(t: Table, opts: TableFormatOptions = {}): { header: string[]; rows: string[][] } {
  const now = opts.now ?? Date.now();
  const header = t.columnDefinitions.map((c) => c.name.toUpperCase());
  const rows = t.rows.map((r) => t.columnDefinitions.map((c, i) => cellText(r.cells[i], c, now)));
  if (opts.withNamespace) {
    header.unshift('NAMESPACE');
    t.rows.forEach((r, i) => rows[i].unshift(rowNamespace(r) || '<none>'));
  }
  return { header, rows };
}

/** columnWidths is the width of each column before padding, over the header and every row. */
export function columnWidths(lines: string[][]): number[] {
  const w: number[] = [];
  for (const line of lines) {
    line.forEach((cell, i) => {
      if ((w[i] ?? 0) < cell.length) w[i] = cell.length;
    });
  }
  return w;
}

/** alignRow pads every cell but the last to its column's width plus 3 (minimum 6), as kubectl's tabwriter. */
export function alignRow(cells: string[], widths: number[]): string {
  let out = '';
  for (let i = 0; i < cells.length; i++) {
    if (i === cells.length - 1) {
      out += cells[i];
    } else {
      out += cells[i].padEnd(Math.max((widths[i] ?? 0) + 3, 6));
    }
  }
  return out;
}

/** formatTable renders a whole Table as lines (without trailing newlines). */
export function formatTable(t: Table, opts: TableFormatOptions = {}): string[] {
  const { header, rows } = tableCells(t, opts);
  const all = opts.noHeaders ? rows : [header, ...rows];
  const widths = columnWidths(all);
  return all.map((cells) => alignRow(cells, widths));
}
