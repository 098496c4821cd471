/**
 * DescribeWriter is kubectl's describe PrefixWriter: describers write "Key:\tvalue\n" text at an
 * indent level, and the whole output goes through a Go-style tabwriter (min width 0, padding 2),
 * so flotctl's describe lines up exactly as kubectl's does. flush() ends every column block.
 */
import { tabwrite } from './tabwriter.js';

/** LEVEL indents, as kubectl's LEVEL_0..LEVEL_4. */
const INDENT = ['', '  ', '    ', '      ', '        '];

/** describeTime prints a timestamp as kubectl's describe does (RFC 1123 with a numeric zone). */
export function describeTime(ts: string | undefined | null): string {
  const d = ts ? new Date(ts) : undefined;
  if (!d || Number.isNaN(d.getTime())) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  return d.toUTCString().replace('GMT', '+0000');
}

/** DescribeWriter accumulates text and renders it aligned. */
export class DescribeWriter {
  private done = '';
  private pending = '';

  /** write adds text at an indent level (0-4); tabs separate cells, as in kubectl's format strings. */
  write(level: number, text: string): this {
    this.pending += INDENT[level] + text;
    return this;
  }

  /** flush closes the current column blocks, as kubectl does before the Events table. */
  flush(): this {
    if (this.pending) this.done += tabwrite(this.pending, { minwidth: 0, padding: 2 });
    this.pending = '';
    return this;
  }

  /** labels writes `Title:\tk=v` lines, sorted, continuation lines aligned, or <none> (printLabelsMultiline). */
  labels(title: string, m: Record<string, string> | undefined, indent = ''): this {
    this.write(0, `${indent}${title}:\t`);
    const keys = Object.keys(m ?? {}).sort();
    if (keys.length === 0) return this.write(0, '<none>\n');
    keys.forEach((k, i) => this.write(0, `${i ? `${indent}\t` : ''}${k}=${m![k]}\n`));
    return this;
  }

  /** annotations writes `Title:\tk: v` lines like printAnnotationsMultiline, hiding apply's bookkeeping. */
  annotations(title: string, m: Record<string, string> | undefined, indent = ''): this {
    this.write(0, `${indent}${title}:\t`);
    const keys = Object.keys(m ?? {}).filter((k) => k !== 'kubectl.kubernetes.io/last-applied-configuration').sort();
    if (keys.length === 0) return this.write(0, '<none>\n');
    keys.forEach((k, i) => {
      if (i) this.write(0, `${indent}\t`);
      const value = m![k].replace(/\n$/, '');
      if (value.length + k.length + 2 > 140 || value.includes('\n')) {
        this.write(0, `${k}:\n`);
        for (const s of value.split('\n')) this.write(0, `${indent}\t  ${s.length > 138 ? `${s.slice(0, 135)}...` : s}\n`);
      } else {
        this.write(0, `${k}: ${value}\n`);
      }
    });
    return this;
  }

  /** toString renders everything written so far. */
  toString(): string {
    this.flush();
    return this.done;
  }
}
