/**
 * The content-addressed blob store: `<root>/blobs/sha256/<hex>` holds manifests, configs and layer
 * blobs. Content enters only through a temp file whose sha256 is checked while it streams in, then
 * renamed into place, so a blob on disk always matches its name and nothing half-written stays.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ImageError } from './errors.js';
import { hexOf } from './oci.js';

/**
 * writeFileAtomic writes a file through a temp file in the same directory, an fsync and a rename, so
 * a reader never sees half of it, even after a crash of the machine.
 */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}${tempName('')}`;
  try {
    const fh = await fsp.open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** tempName makes a unique name for in-progress work, carrying our pid so a sweep knows when it is stale. */
export function tempName(prefix: string): string {
  return `${prefix}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * sweepStale removes temp entries whose writing process is gone (a crash, a kill), and leaves those of
 * live processes alone: a `flotilla runtime import` may open the store while the runtime pulls into it.
 * With all=true every entry of the directory is a temp entry; a name without an owner is removed too.
 */
export async function sweepStale(dir: string, all = false): Promise<void> {
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (m ? alive(Number(m[1])) && Number(m[1]) !== process.pid : !all) continue;
    await fsp.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/** BlobSource is content as chunks: a file or network stream, or a list of buffers. */
export type BlobSource = AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer>;

/** IngestOptions tune one streamed write: the size to expect and a progress hook. */
export interface IngestOptions {
  expectedSize?: number;
  onData?: (bytesSoFar: number) => void;
}

/** BlobStore keeps content by sha256 digest under one root directory. */
export class BlobStore {
  readonly blobDir: string;
  readonly tmpDir: string;
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(readonly root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.tmpDir = path.join(root, 'tmp');
  }

  /** init makes the directories and removes temp files a dead writer left behind. */
  async init(): Promise<void> {
    await fsp.mkdir(this.blobDir, { recursive: true });
    await fsp.mkdir(this.tmpDir, { recursive: true });
    await sweepStale(this.tmpDir, true);
  }

  /** path is where a blob lives (whether or not it is there yet). */
  path(digest: string): string {
    return path.join(this.blobDir, hexOf(digest));
  }

  /** has tells whether a blob is stored. */
  async has(digest: string): Promise<boolean> {
    try {
      await fsp.access(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  /** read returns a whole (small) blob: a manifest or a config. */
  async read(digest: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.path(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ImageError('FLT_ERR_IMAGE_NOT_FOUND', `blob ${digest} is not in the store`);
      throw err;
    }
  }

  /** stream opens a blob for reading. */
  stream(digest: string): ReadStream {
    return createReadStream(this.path(digest));
  }

  /** size is a stored blob's byte count. */
  async size(digest: string): Promise<number> {
    return (await fsp.stat(this.path(digest))).size;
  }

  /** put stores bytes under their digest; with `expected` it refuses bytes that hash differently. */
  async put(data: Buffer, expected?: string): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (expected !== undefined && expected !== digest) {
      throw new ImageError('FLT_ERR_IMAGE_DIGEST_MISMATCH', `content for ${expected} does not match its digest (got ${digest})`);
    }
    await this.ingest(digest, [data], { expectedSize: data.length });
    return digest;
  }

  /**
   * ingest streams content into the store under `digest`, hashing as it goes; a mismatch in digest or
   * size throws FLT_ERR_IMAGE_DIGEST_MISMATCH naming the digest and leaves nothing behind. Concurrent
   * ingests of one digest in this process share one write (pass a function as source so a second
   * caller does not even open its stream); across processes the rename is atomic.
   */
  async ingest(digest: string, source: BlobSource | (() => Promise<BlobSource>), opts: IngestOptions = {}): Promise<void> {
    const running = this.inflight.get(digest);
    if (running) return running;
    const p = this.ingestOnce(digest, source, opts).finally(() => this.inflight.delete(digest));
    this.inflight.set(digest, p);
    return p;
  }

  /** ingesting returns the write in progress for a digest, so a second puller waits instead of fetching. */
  ingesting(digest: string): Promise<void> | undefined {
    return this.inflight.get(digest);
  }

  private async ingestOnce(digest: string, open: BlobSource | (() => Promise<BlobSource>), opts: IngestOptions): Promise<void> {
    const target = this.path(digest);
    if (await this.has(digest)) return; // already stored: the source is never opened (or left unread)
    const source = typeof open === 'function' ? await open() : open;
    const tmp = path.join(this.tmpDir, tempName(hexOf(digest).slice(0, 12)));
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(tmp, { mode: 0o644 });
    const closed = new Promise<void>((resolve, reject) => {
      out.on('close', resolve);
      out.on('error', reject);
    });
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        hash.update(b);
        size += b.length;
        if (opts.expectedSize !== undefined && size > opts.expectedSize) {
          throw new ImageError('FLT_ERR_IMAGE_DIGEST_MISMATCH', `blob ${digest}: more bytes than the ${opts.expectedSize} its descriptor gives`);
        }
        if (!out.write(b)) await once(out, 'drain');
        opts.onData?.(size);
      }
      out.end();
      await closed;
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) throw new ImageError('FLT_ERR_IMAGE_DIGEST_MISMATCH', `blob ${digest} does not match its digest: its content hashes to ${got}`);
      if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
        throw new ImageError('FLT_ERR_IMAGE_DIGEST_MISMATCH', `blob ${digest}: ${size} bytes, its descriptor says ${opts.expectedSize}`);
      }
      await fsp.rename(tmp, target);
    } catch (err) {
      out.destroy();
      await closed.catch(() => undefined);
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  /** ingestUnnamed stores content whose digest is not known in advance and returns it with the size. */
  async ingestUnnamed(source: AsyncIterable<Buffer | Uint8Array>): Promise<{ digest: string; size: number }> {
    const tmp = path.join(this.tmpDir, tempName('unnamed'));
    const hash = createHash('sha256');
    let size = 0;
    try {
      const fh = await fsp.open(tmp, 'w', 0o644);
      try {
        for await (const chunk of source) {
          const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
          hash.update(b);
          size += b.length;
          await fh.write(b);
        }
      } finally {
        await fh.close();
      }
      const digest = `sha256:${hash.digest('hex')}`;
      await fsp.rename(tmp, this.path(digest));
      return { digest, size };
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  /** list returns the digests of every stored blob. */
  async list(): Promise<string[]> {
    const names = await fsp.readdir(this.blobDir);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** delete removes a blob; a missing one is fine. */
  async delete(digest: string): Promise<void> {
    await fsp.rm(this.path(digest), { force: true });
  }
}
