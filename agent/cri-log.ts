/**
 * The CRI container log format, pure: each line is `<RFC3339Nano time> <stdout|stderr> <F|P> <text>`,
 * where P marks a partial line continued by the next record. Turns a log into the lines `kubectl
 * logs` prints: the text alone, or prefixed by its time with timestamps=true.
 */

/** CriRecord is one parsed line of a CRI log. */
export interface CriRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

/** parseCriLine parses one record, or returns undefined for a line that is not one. */
export function parseCriLine(line: string): CriRecord | undefined {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  return { time: line.slice(0, a), stream, partial: tag.split(':')[0] === 'P', text };
}

/** LogLine is one whole output line with the time of its first record. */
export interface LogLine {
  time: string;
  text: string;
}

/** CriLineAssembler joins partial records into whole lines as chunks of a log arrive. */
export class CriLineAssembler {
  private rest = '';
  private pending: LogLine | undefined;

  /** push feeds a chunk of the file and returns the whole lines it completed. */
  push(chunk: string): LogLine[] {
    const data = this.rest + chunk;
    const lines = data.split('\n');
    this.rest = lines.pop() ?? '';
    const out: LogLine[] = [];
    for (const l of lines) {
      const r = parseCriLine(l);
      if (!r) continue;
      if (this.pending) this.pending.text += r.text;
      else this.pending = { time: r.time, text: r.text };
      if (!r.partial) {
        out.push(this.pending);
        this.pending = undefined;
      }
    }
    return out;
  }
}

/** formatLogLine prints a line as the logs endpoint sends it. */
export function formatLogLine(l: LogLine, timestamps: boolean): string {
  return timestamps ? `${l.time} ${l.text}\n` : `${l.text}\n`;
}

/** selectLines applies sinceSeconds and tailLines to the lines of a log. */
export function selectLines(lines: LogLine[], opts: { tailLines?: number; sinceMs?: number }): LogLine[] {
  let out = lines;
  if (opts.sinceMs !== undefined) {
    const since = opts.sinceMs;
    out = out.filter((l) => Date.parse(l.time) >= since);
  }
  if (opts.tailLines !== undefined && opts.tailLines >= 0) out = opts.tailLines === 0 ? [] : out.slice(-opts.tailLines);
  return out;
}
