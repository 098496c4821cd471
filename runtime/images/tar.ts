/**
 * A small tar reader and writer (ustar, GNU long names, PAX headers): the reader streams entries of
 * image layers and archives; the writer makes the deterministic example image and test archives.
 * Our own because extraction has to stay in our hands (whiteouts, path checks) and it is ~250 lines.
 */
import { ImageError } from './errors.js';

/** TarEntryType names what an entry makes. */
export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'dir' | 'fifo';

/** TarHeader is one entry's metadata, with long names and PAX records already applied. */
export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** TarEntry is a header and its body; the body must be read (or is skipped) before the next entry. */
export interface TarEntry extends TarHeader {
  body(): AsyncGenerator<Buffer>;
}

const BLOCK = 512;
const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink',
  '3': 'chardev', '4': 'blockdev', '5': 'dir', '6': 'fifo',
};

/** ByteReader pulls exact byte counts out of a chunked async source. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer | Uint8Array | string>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.source.next();
      if (r.done) { this.done = true; break; }
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
      if (b.length) { this.chunks.push(b); this.buffered += b.length; }
    }
    return this.buffered >= n;
  }

  /** read returns exactly n bytes, or null at a clean end of input (nothing buffered). */
  async read(n: number, what: string): Promise<Buffer | null> {
    if (!(await this.fill(n))) {
      if (this.buffered === 0) return null;
      throw new ImageError('FLT_ERR_IMAGE_FORMAT', `truncated tar archive while reading ${what}`);
    }
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)]; // rare: n spans chunks
    const head = this.chunks[0]!;
    const out = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return out;
  }

  /** stream yields exactly n bytes as they arrive. */
  async *stream(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1))) {
        throw new ImageError('FLT_ERR_IMAGE_FORMAT', `truncated tar archive in the body of ${what}`);
      }
      const head = this.chunks[0]!;
      if (head.length <= left) {
        this.chunks.shift();
        this.buffered -= head.length;
        left -= head.length;
        yield head;
      } else {
        this.chunks[0] = head.subarray(left);
        this.buffered -= left;
        const out = head.subarray(0, left);
        left = 0;
        yield out;
      }
    }
  }
}

async function* asAsync<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  for await (const x of source) yield x;
}

function cstr(buf: Buffer, off: number, len: number): string {
  const slice = buf.subarray(off, off + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function num(buf: Buffer, off: number, len: number, field: string): number {
  if (buf[off]! & 0x80) {
    // base-256 (GNU): big-endian two's complement with the top bit as a marker
    let v = 0;
    for (let i = off; i < off + len; i++) v = v * 256 + (i === off ? buf[i]! & 0x7f : buf[i]!);
    return v;
  }
  const s = cstr(buf, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `tar header field ${field} is not octal: "${s}"`);
  return parseInt(s, 8);
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(data.subarray(pos, sp).toString('ascii'), 10);
    if (!(len > 0)) throw new ImageError('FLT_ERR_IMAGE_FORMAT', 'malformed PAX extended header record');
    const record = data.subarray(sp + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** readTar yields the entries of a tar stream in order; an unread body is skipped. */
export async function* readTar(source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(asAsync(source));
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  const globalPax = new Map<string, string>();
  for (;;) {
    const block = await reader.read(BLOCK, 'a header');
    if (block === null) return;
    if (block.every((b) => b === 0)) return; // end-of-archive marker
    let stored = -1;
    try {
      stored = num(block, 148, 8, 'chksum');
    } catch {
      // an unreadable checksum field is reported as the mismatch below
    }
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (sum !== stored) throw new ImageError('FLT_ERR_IMAGE_FORMAT', 'tar header checksum mismatch (not a tar archive, or corrupt)');
    const flag = String.fromCharCode(block[156]!);
    let size = num(block, 124, 12, 'size');
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      const data = (await reader.read(padded, 'an extended header')) ?? Buffer.alloc(0);
      const body = data.subarray(0, size);
      if (flag === 'L') longName = cstr(body, 0, body.length);
      else if (flag === 'K') longLink = cstr(body, 0, body.length);
      else if (flag === 'x') pax = parsePax(body);
      else for (const [k, v] of parsePax(body)) globalPax.set(k, v);
      continue;
    }
    const merged = new Map([...globalPax, ...pax]);
    const magic = block.subarray(257, 263).toString('latin1');
    const prefix = magic.startsWith('ustar') ? cstr(block, 345, 155) : '';
    let name = merged.get('path') ?? longName ?? (prefix ? `${prefix}/${cstr(block, 0, 100)}` : cstr(block, 0, 100));
    const linkname = merged.get('linkpath') ?? longLink ?? cstr(block, 157, 100);
    if (merged.has('size')) size = Number(merged.get('size'));
    const type = TYPES[flag];
    longName = longLink = undefined;
    pax = new Map();
    const realPadded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === undefined) {
      // unknown entry types (e.g. GNU sparse, volume labels) are skipped, as GNU tar warns and goes on
      for await (const _ of reader.stream(realPadded, name)) void _;
      continue;
    }
    if (type === 'dir' && name.endsWith('/')) name = name.replace(/\/+$/, '');
    let consumed = false;
    const bodySize = type === 'file' ? size : 0;
    const entry: TarEntry = {
      name, type, linkname, size: bodySize,
      mode: num(block, 100, 8, 'mode') & 0o7777,
      uid: merged.has('uid') ? Number(merged.get('uid')) : num(block, 108, 8, 'uid'),
      gid: merged.has('gid') ? Number(merged.get('gid')) : num(block, 116, 8, 'gid'),
      mtime: merged.has('mtime') ? Math.floor(Number(merged.get('mtime'))) : num(block, 136, 12, 'mtime'),
      devmajor: num(block, 329, 8, 'devmajor'),
      devminor: num(block, 337, 8, 'devminor'),
      body: async function* () {
        if (consumed) throw new Error(`tar body of ${name} read twice`);
        consumed = true;
        yield* reader.stream(size, name);
      },
    };
    yield entry;
    if (!consumed) { consumed = true; for await (const _ of reader.stream(size, name)) void _; }
    const pad = realPadded - size;
    if (pad > 0) await reader.read(pad, `the padding of ${name}`);
  }
}

/** TarWriterEntry is what the writer needs for one entry; missing fields get fixed, reproducible values. */
export interface TarWriterEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  data?: Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\0', off, len, 'ascii');
}

function header(name: string, flag: string, size: number, e: TarWriterEntry, linkname: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  octal(b, 100, 8, e.mode ?? (e.type === 'dir' ? 0o755 : 0o644));
  octal(b, 108, 8, e.uid ?? 0);
  octal(b, 116, 8, e.gid ?? 0);
  octal(b, 124, 12, size);
  octal(b, 136, 12, e.mtime ?? 0);
  b.write(flag, 156, 1, 'ascii');
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\0' + '00', 257, 8, 'ascii');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return b;
}

function pad(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** writeTar serializes entries in the given order into one tar buffer (long names use PAX headers). */
export function writeTar(entries: TarWriterEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const flag = { file: '0', hardlink: '1', symlink: '2', dir: '5' }[e.type];
    const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    const linkname = e.linkname ?? '';
    const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    if (Buffer.byteLength(name) > 99 || Buffer.byteLength(linkname) > 99) {
      const records = [`path=${name}`, ...(linkname ? [`linkpath=${linkname}`] : [])].map((kv) => {
        let len = Buffer.byteLength(kv) + 3;
        while (`${len} ${kv}\n`.length !== len) len = Buffer.byteLength(`${len} ${kv}\n`);
        return `${len} ${kv}\n`;
      });
      const body = Buffer.from(records.join(''), 'utf8');
      parts.push(header('PaxHeader', 'x', body.length, { ...e, mode: 0o644 }, ''), body, pad(body.length));
    }
    parts.push(header(name.slice(0, 99), flag, data.length, e, linkname.slice(0, 99)), data, pad(data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
