/**
 * tabwrite aligns tab-separated text exactly as Go's text/tabwriter does (left-aligned, space
 * padding), which is what kubectl prints through: a cell is text ended by a tab; consecutive
 * lines that have a cell in a column form a block whose width is its widest cell plus padding; a
 * line's last, unterminated cell is never padded.
 */

/** TabwriterOptions are Go's minwidth and padding (kubectl describe: 0 and 2; get: 6 and 3). */
export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** tabwrite formats one flushed chunk of text; lines end with "\n". */
export function tabwrite(text: string, opts: TabwriterOptions): string {
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const out: string[] = lines.map(() => '');
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i];
      let s = '';
      cells.forEach((c, j) => {
        s += c;
        if (j < widths.length && j < cells.length - 1) s += ' '.repeat(Math.max(0, widths[j] - width(c)));
      });
      out[i] = s;
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t].length - 1) continue;
      writeLines(start, t);
      start = t;
      let w = opts.minwidth;
      for (; t < line1; t++) {
        if (column >= lines[t].length - 1) break;
        w = Math.max(w, width(lines[t][column]) + opts.padding);
      }
      widths.push(w);
      format(start, t);
      widths.pop();
      start = t;
      t--;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}
