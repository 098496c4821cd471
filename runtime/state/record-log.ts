/**
 * record-log.ts: every record of the store in one append-only file, one line per change:
 * `<crc32 hex> <json>\n`, the json `{"k":key,"v":value}` (a save) or `{"k":key,"d":1}` (a delete).
 * Why: on this kind of root fs (ext4 without a journal) each new inode costs a scan of recently
 * deleted ones, and a file per record rewritten through a temp file made several per pod; an
 * append makes none. A kill mid-append leaves at most a torn last line, which its checksum
 * rejects, so the change before it stands: crash-safe without a rename. The file is rewritten
 * (compacted, through a temp file and a rename) at open after a torn tail and when it has grown
 * to several times what is live.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync, constants } from 'node:fs';
import { crc32 } from 'node:zlib';

/** COMPACT_MIN_BYTES is the size below which the log is never rewritten. */
const COMPACT_MIN_BYTES = 1 << 20;

/** COMPACT_RATIO: the log is rewritten once it is this many times the live lines. */
const COMPACT_RATIO = 4;

/** LogLoad is what open() found: the live values by key and the lines it could not use. */
export interface LogLoad {
  values: Map<string, unknown>;
  bad: string[];
}

function frame(entry: object): Buffer {
  const json = JSON.stringify(entry);
  return Buffer.from(`${crc32(json).toString(16).padStart(8, '0')} ${json}\n`);
}

/** RecordLog appends changes to one file and replays it at open; one writer (the runtime holding the root). */
export class RecordLog {
  private fd = -1;
  /** size is the file's length; live holds each live key's line, as a compaction writes it again. */
  private size = 0;
  private liveBytes = 0;
  private readonly live = new Map<string, Buffer>();
  /** torn is set when an append failed part-way: the next one starts on a fresh line. */
  private torn = false;

  constructor(readonly path: string) {}

  /** open replays the file (absent means empty) and compacts it when its tail is torn, a line is bad or it is bloated. */
  open(): LogLoad {
    this.close();
    this.live.clear();
    const values = new Map<string, unknown>();
    const bad: string[] = [];
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    rmSync(`${this.path}.new`, { force: true }); // a compaction a crash cut short; the file itself is whole
    const lines = text.split('\n');
    const tornTail = lines.pop() !== '';
    for (const [i, line] of lines.entries()) {
      const entry = parseLine(line);
      if (!entry) {
        bad.push(`${this.path}: line ${i + 1}: bad checksum or JSON (skipped)`);
      } else if ('v' in entry) {
        values.set(entry.k, entry.v);
        this.live.set(entry.k, Buffer.from(`${line}\n`));
      } else {
        values.delete(entry.k);
        this.live.delete(entry.k);
      }
    }
    if (tornTail) bad.push(`${this.path}: its last line is incomplete (a write cut short; the change before it stands)`);
    this.liveBytes = [...this.live.values()].reduce((n, b) => n + b.length, 0);
    this.size = Buffer.byteLength(text);
    if (tornTail || bad.length > 0 || this.bloated()) this.compact();
    else this.fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    return { values, bad };
  }

  /** put records key's new value. */
  put(key: string, value: unknown): void {
    const line = frame({ k: key, v: value });
    this.append(line);
    this.liveBytes += line.length - (this.live.get(key)?.length ?? 0);
    this.live.set(key, line);
    if (this.bloated()) this.compact();
  }

  /** delete records that key is gone; deleting an absent key writes nothing. */
  delete(key: string): void {
    const old = this.live.get(key);
    if (!old) return;
    this.append(frame({ k: key, d: 1 }));
    this.liveBytes -= old.length;
    this.live.delete(key);
    if (this.bloated()) this.compact();
  }

  /** close releases the file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private append(line: Buffer): void {
    if (this.fd < 0) throw new Error(`${this.path}: the record log is not open`);
    const out = this.torn ? Buffer.concat([Buffer.from('\n'), line]) : line;
    try {
      // One write(2) per change: with O_APPEND the line lands whole at the end unless the process dies in it.
      const n = writeSync(this.fd, out);
      if (n !== out.length) throw new Error(`short write (${n} of ${out.length} bytes)`);
    } catch (err) {
      this.torn = true;
      throw new Error(`${this.path}: append a record change: ${(err as Error).message}`, { cause: err });
    }
    this.torn = false;
    this.size += out.length;
  }

  private bloated(): boolean {
    return this.size > COMPACT_MIN_BYTES && this.size > COMPACT_RATIO * this.liveBytes;
  }

  /** compact rewrites the file with one line per live key, through `<path>.new` and a rename. */
  private compact(): void {
    const next = `${this.path}.new`;
    const body = Buffer.concat([...this.live.values()]);
    const fd = openSync(next, 'w', 0o600);
    try {
      writeSync(fd, body);
    } finally {
      closeSync(fd);
    }
    renameSync(next, this.path);
    this.close();
    this.fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND, 0o600);
    this.torn = false;
    this.size = body.length;
  }
}

/** parseLine checks one line's checksum and shape; undefined when it is not a whole, valid change. */
function parseLine(line: string): { k: string; v?: unknown; d?: 1 } | undefined {
  const sp = line.indexOf(' ');
  if (sp !== 8) return undefined;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) return undefined;
  try {
    const e = JSON.parse(json) as { k?: unknown; v?: unknown; d?: unknown };
    if (typeof e.k !== 'string' || (!('v' in e) && e.d !== 1)) return undefined;
    return e as { k: string; v?: unknown; d?: 1 };
  } catch {
    return undefined;
  }
}
