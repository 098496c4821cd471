/**
 * Layer unpacking into overlay-ready directories, one per chain id.
 *
 * Whiteouts are written in overlayfs' own form, so the read-only layer directories stack directly as
 * overlay lowerdirs: `.wh.NAME` becomes a character device 0/0 named NAME. An opaque directory
 * (`.wh..wh..opq`) would need the trusted.overlay.opaque xattr, which Node cannot set without an extra
 * package or tool; instead, after the layer is written, every name the lower layers hold in that
 * directory and this layer does not gets a 0/0 whiteout — the same merged view, made only with mknod
 * (all whiteouts of a layer are made at its end, batched in a few shell runs: Node has no mknod).
 * That makes a layer directory depend on the layers under it, which is why it is keyed by chain id.
 *
 * Safety: entry names and hardlink targets with `..` are refused, and no entry is ever written through
 * a symlink (every parent is checked to be a real directory of this layer, files open with O_EXCL after
 * the old entry is unlinked), so a layer cannot reach outside its directory.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { constants as fsc } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { ImageError } from './errors.js';
import { tempName } from './store.js';
import { readTar, type TarEntry } from './tar.js';

const run = promisify(execFile);
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** UnpackOptions describe one layer to unpack. */
export interface UnpackOptions {
  /** source is the layer blob, gzip-compressed or plain tar (told apart by its first bytes). */
  source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer>;
  /** diffId is the sha256 of the uncompressed tar; the unpack fails if the stream hashes otherwise. */
  diffId: string;
  /** lowerDirs are the already unpacked layers under this one, topmost first. */
  lowerDirs: string[];
  /** target is the final directory; it appears (by rename) only when the layer is complete. */
  target: string;
  /** tmpDir is where the layer is built before the rename, on the same filesystem as target. */
  tmpDir: string;
}

/** decompress yields the tar inside a gzip stream, or a plain stream as it is (told apart by magic bytes). */
export async function* decompress(source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  const it = (async function* () { for await (const c of source) yield c; })();
  const first = await it.next();
  if (first.done) return;
  const head = Buffer.from(first.value as Uint8Array);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value as Uint8Array);
    }
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const src = Readable.from(all());
    const gunzip = createGunzip();
    src.on('error', (err) => gunzip.destroy(err));
    src.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (err) {
      throw new ImageError('FLT_ERR_IMAGE_FORMAT', `layer is not valid gzip: ${(err as Error).message}`, { cause: err });
    } finally {
      src.destroy(); // a consumer that stops early must not leave the blob file open
      await it.return(undefined);
    }
  } else if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) {
    throw new ImageError('FLT_ERR_IMAGE_UNSUPPORTED', 'layer is zstd-compressed, which this runtime does not read');
  } else {
    try {
      yield* all();
    } finally {
      await it.return(undefined);
    }
  }
}

/** safeParts splits an archive path into components, refusing `..` so nothing lands outside the layer. */
export function safeParts(name: string, what: string): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ImageError('FLT_ERR_IMAGE_LAYER_UNSAFE', `${what}: path "${name}" escapes the layer directory`);
  return parts;
}

/** tryLstat is lstat that answers undefined for a path that is not there (or whose parent is not a dir). */
function tryLstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** YIELD_MS bounds how long the extractor runs synchronous syscalls before letting the event loop in. */
const YIELD_MS = 10;

/**
 * Extractor writes one layer's entries into a directory. It uses synchronous syscalls (five times faster
 * than a thread-pool round trip per call on layers of many small files) and yields every YIELD_MS.
 */
class Extractor {
  private readonly realDirs = new Set<string>(['']);
  private readonly opaque = new Set<string>();
  private readonly ownWhiteouts = new Set<string>();
  private readonly dirTimes = new Map<string, number>();
  private lastYield = Date.now();

  constructor(private readonly root: string, private readonly lowers: string[], private readonly what: string) {}

  private abs(parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  private unsafe(name: string, why: string): ImageError {
    return new ImageError('FLT_ERR_IMAGE_LAYER_UNSAFE', `${this.what}: entry "${name}" ${why}`);
  }

  private async breathe(): Promise<void> {
    if (Date.now() - this.lastYield < YIELD_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = Date.now();
  }

  /** parents makes sure every parent of parts is a real directory of this layer, creating missing ones. */
  private parents(parts: string[], name: string, create = true): void {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (this.realDirs.has(rel)) continue;
      const st = tryLstat(this.abs(parts.slice(0, i)));
      if (st?.isDirectory()) { this.realDirs.add(rel); continue; }
      if (st?.isSymbolicLink()) throw this.unsafe(name, `goes through the symlink "${rel}"`);
      if (st) throw this.unsafe(name, `has a parent "${rel}" that is not a directory`);
      if (!create) throw this.unsafe(name, `has no parent "${rel}" in this layer`);
      const lowerPath = this.lowerPath(rel);
      const lower = lowerPath === undefined ? undefined : tryLstat(lowerPath);
      const p = this.abs(parts.slice(0, i));
      fs.mkdirSync(p);
      if (this.ownWhiteouts.delete(rel)) this.opaque.add(rel); // a dir under this layer's own whiteout hides the lower one
      if (lower?.isDirectory()) {
        fs.lchownSync(p, lower.uid, lower.gid);
        fs.chmodSync(p, lower.mode & 0o7777);
      } else {
        fs.chmodSync(p, 0o755);
      }
      this.realDirs.add(rel);
    }
  }

  /** lowerPath finds rel in the topmost lower layer that has it, never through a symlink of a lower layer. */
  private lowerPath(rel: string): string | undefined {
    const parts = rel.split('/');
    for (const dir of this.lowers) {
      let present = true;
      for (let i = 1; i < parts.length && present; i++) {
        const st = tryLstat(path.join(dir, ...parts.slice(0, i)));
        if (!st) present = false;
        else if (!st.isDirectory()) return undefined; // a file or symlink in this layer shadows everything below
      }
      if (!present) continue;
      const p = path.join(dir, ...parts);
      if (tryLstat(p)) return p;
    }
    return undefined;
  }

  /** lowerDirsAt lists rel in every lower layer that has it as a real directory, down to one that shadows it. */
  private lowerDirsAt(rel: string): string[] {
    const parts = rel === '' ? [] : rel.split('/');
    const out: string[] = [];
    for (const dir of this.lowers) {
      let shadowed = false;
      let present = true;
      for (let i = 1; i <= parts.length && present && !shadowed; i++) {
        const st = tryLstat(path.join(dir, ...parts.slice(0, i)));
        if (!st) present = false;
        else if (!st.isDirectory()) shadowed = true;
      }
      if (shadowed) break;
      if (present) out.push(path.join(dir, ...parts));
    }
    return out;
  }

  /** clear removes whatever this layer already has at a path (not its parents). */
  private clear(p: string, rel: string): void {
    const st = tryLstat(p);
    if (!st) return;
    if (st.isDirectory()) {
      fs.rmSync(p, { recursive: true, force: true });
      for (const d of [...this.realDirs]) if (d === rel || d.startsWith(`${rel}/`)) this.realDirs.delete(d);
      for (const w of [...this.ownWhiteouts]) if (w.startsWith(`${rel}/`)) this.ownWhiteouts.delete(w);
    } else {
      fs.unlinkSync(p);
    }
  }

  private meta(p: string, e: TarEntry, isLink: boolean): void {
    fs.lchownSync(p, e.uid, e.gid);
    if (!isLink) fs.chmodSync(p, e.mode); // after chown, which clears setuid bits
    fs.lutimesSync(p, e.mtime, e.mtime);
  }

  private async mknod(p: string, kind: 'c' | 'b' | 'p', major = 0, minor = 0): Promise<void> {
    const args = kind === 'p' ? [p, 'p'] : [p, kind, String(major), String(minor)];
    try {
      await run('mknod', args);
    } catch (err) {
      throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${this.what}: mknod ${args.join(' ')} failed (needs root): ${(err as { stderr?: string }).stderr?.trim() ?? String(err)}`, { cause: err });
    }
  }

  async entry(e: TarEntry): Promise<void> {
    await this.breathe();
    const parts = safeParts(e.name, this.what);
    if (parts.length === 0) return; // the layer root itself: the directory is ours
    const base = parts[parts.length - 1]!;
    const rel = parts.join('/');
    if (base === OPAQUE_MARKER) {
      this.parents(parts, e.name);
      this.opaque.add(parts.slice(0, -1).join('/'));
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const hidden = [...parts.slice(0, -1), base.slice(WHITEOUT_PREFIX.length)];
      this.parents(hidden, e.name);
      this.clear(this.abs(hidden), hidden.join('/'));
      this.ownWhiteouts.add(hidden.join('/')); // made in finish(), all in one batch
      return;
    }
    this.parents(parts, e.name);
    const p = this.abs(parts);
    if (e.type === 'dir') {
      if (!tryLstat(p)?.isDirectory()) {
        this.clear(p, rel);
        fs.mkdirSync(p);
        // a directory re-created over this layer's own whiteout must not show the lower one's content
        if (this.ownWhiteouts.delete(rel)) this.opaque.add(rel);
      }
      this.realDirs.add(rel);
      fs.lchownSync(p, e.uid, e.gid);
      fs.chmodSync(p, e.mode);
      this.dirTimes.set(rel, e.mtime);
      return;
    }
    this.clear(p, rel);
    this.ownWhiteouts.delete(rel);
    switch (e.type) {
      case 'file': {
        const fd = fs.openSync(p, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of e.body()) {
            for (let off = 0; off < chunk.length;) off += fs.writeSync(fd, chunk, off);
          }
        } finally {
          fs.closeSync(fd);
        }
        this.meta(p, e, false);
        return;
      }
      case 'symlink':
        fs.symlinkSync(e.linkname, p);
        this.meta(p, e, true);
        return;
      case 'hardlink': {
        const targetParts = safeParts(e.linkname, this.what);
        if (targetParts.length === 0) throw this.unsafe(e.name, 'is a hardlink to the layer root');
        let inLayer = true;
        try {
          this.parents(targetParts, e.name, false);
        } catch {
          inLayer = false;
        }
        const target = this.abs(targetParts);
        const st = inLayer ? tryLstat(target) : undefined;
        if (st && !st.isDirectory()) {
          fs.linkSync(target, p);
          return;
        }
        const lower = this.lowerPath(targetParts.join('/'));
        if (lower === undefined || !tryLstat(lower)?.isFile()) {
          throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${this.what}: hardlink "${e.name}" points at "${e.linkname}", which no layer holds as a file`);
        }
        fs.copyFileSync(lower, p);
        this.meta(p, e, false);
        return;
      }
      case 'chardev':
      case 'blockdev':
      case 'fifo':
        await this.mknod(p, e.type === 'fifo' ? 'p' : e.type === 'chardev' ? 'c' : 'b', e.devmajor, e.devminor);
        this.meta(p, e, false);
        return;
    }
  }

  /** mknodWhiteouts makes 0/0 character devices, many per process spawned (Node has no mknod). */
  private async mknodWhiteouts(paths: string[]): Promise<void> {
    for (let i = 0; i < paths.length; i += 256) {
      const chunk = paths.slice(i, i + 256);
      try {
        await run('sh', ['-c', 'for p; do mknod "$p" c 0 0 || exit 1; done', 'sh', ...chunk]);
      } catch (err) {
        throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${this.what}: making whiteouts failed (mknod needs root): ${(err as { stderr?: string }).stderr?.trim() ?? String(err)}`, { cause: err });
      }
    }
  }

  /** finish makes the whiteouts (own ones, and for opaque dirs every lower name), then restores dir mtimes. */
  async finish(): Promise<void> {
    const whiteouts = new Set([...this.ownWhiteouts].map((rel) => path.join(this.root, rel)));
    for (const rel of this.opaque) {
      const dir = path.join(this.root, rel);
      if (!tryLstat(dir)?.isDirectory()) continue; // replaced later in this layer by a non-directory
      const names = new Set<string>();
      for (const lower of this.lowerDirsAt(rel)) {
        for (const n of await fsp.readdir(lower).catch(() => [] as string[])) names.add(n);
      }
      const own = new Set(await fsp.readdir(dir).catch(() => [] as string[]));
      for (const n of names) if (!own.has(n)) whiteouts.add(path.join(dir, n));
    }
    await this.mknodWhiteouts([...whiteouts].sort());
    const dirs = [...this.dirTimes].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [rel, mtime] of dirs) {
      try {
        fs.lutimesSync(path.join(this.root, rel), mtime, mtime);
      } catch {
        // a directory a later entry replaced has no time to restore
      }
      await this.breathe();
    }
  }
}

/** unpackLayer writes one layer into `target`, verifying its diff id; on any failure nothing is left. */
export async function unpackLayer(opts: UnpackOptions): Promise<void> {
  const what = `layer ${opts.diffId}`;
  const tmp = path.join(opts.tmpDir, tempName(`unpack-${path.basename(opts.target)}`));
  let source: AsyncGenerator<Buffer> | undefined;
  await fsp.mkdir(tmp, { mode: 0o755 });
  try {
    await fsp.chmod(tmp, 0o755);
    const hash = createHash('sha256');
    async function* hashed(): AsyncGenerator<Buffer> {
      for await (const chunk of decompress(opts.source)) {
        hash.update(chunk);
        yield chunk;
      }
    }
    source = hashed();
    const x = new Extractor(tmp, opts.lowerDirs, what);
    for await (const entry of readTar(source)) await x.entry(entry);
    for await (const _ of source) void _; // hash the end-of-archive blocks and any trailing padding
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== opts.diffId) {
      throw new ImageError('FLT_ERR_IMAGE_DIGEST_MISMATCH', `${what}: the uncompressed layer hashes to ${got}, not to its diff id`);
    }
    await x.finish();
    try {
      await fsp.rename(tmp, opts.target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await fsp.rm(tmp, { recursive: true, force: true }); // another unpack of the same chain won the race
    }
  } catch (err) {
    await source?.return(undefined).catch(() => undefined); // closes the blob stream of a failed unpack
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
