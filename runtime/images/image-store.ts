/**
 * ImageStore is the runtime's image service: pull, import, list, status, remove and the per-container
 * overlay rootfs, over a content store, an image index and unpacked layers, all on disk under one root:
 *
 *   <root>/blobs/sha256/<hex>   content (manifests, configs, layer blobs), digest-verified
 *   <root>/images/<id>.json     one record per image (tags, digests, layers, config)
 *   <root>/layers/<chain id>/   each layer unpacked once, overlay-ready (see unpack.ts)
 *   <root>/l/<short id>         short symlinks to layers, for overlay's option size (see layer-links.ts)
 *   <root>/leases/<ctr>.json    which container rootfs uses which image (blocks removal); the runtime
 *                               keeps them on its tmpfs instead (opts.leaseDir)
 *   <root>/tmp/                 work in progress, swept at init
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ImageError } from './errors.js';
import { importArchive, type ImportedImage } from './import.js';
import { ImageIndex } from './image-index.js';
import { LayerLinks } from './layer-links.js';
import { chainIds, hexOf, parseImageConfig } from './oci.js';
import { parseReference, repositoryName, taggedName } from './reference.js';
import { pullImage, type PullOptions } from './registry-client.js';
import { RootfsManager, type Mounter } from './rootfs.js';
import { BlobStore } from './store.js';
import type { ImageConfig, ImageRecord, StoredImage } from './types.js';
import { unpackLayer } from './unpack.js';
import { diskUsage } from './disk-usage.js';

export type { ImageConfig, ImageRecord } from './types.js';
export type { PullOptions, PullProgress } from './registry-client.js';

/** publicRecord strips the store's internal fields from a record. */
function publicRecord(s: StoredImage): ImageRecord {
  return { id: s.id, repoTags: [...s.repoTags], repoDigests: [...s.repoDigests], size: s.size, config: structuredClone(s.config) };
}

/** ImageStore keeps images on disk under root; one instance per root per process. */
export class ImageStore {
  private readonly blobs: BlobStore;
  private readonly index: ImageIndex;
  private readonly rootfs: RootfsManager;
  private readonly layerDir: string;
  private readonly links: LayerLinks;
  private readonly unpacking = new Map<string, Promise<void>>();
  /** unpacked holds the chain ids whose layer this process has seen on disk: a rootfs need not look again (only remove() deletes layers). */
  private readonly unpacked = new Set<string>();
  private readonly pinned = new Map<string, number>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly readers = new Set<Promise<void>>();
  private usage = { usedBytes: 0, inodesUsed: 0 };

  readonly root: string;

  /**
   * opts.mounter replaces runtime/native.ts for mounting (the default is the native runtime);
   * opts.leaseDir keeps the rootfs leases elsewhere than `<root>/leases` (the runtime: on its tmpfs),
   * taking over those found in `<root>/leases` at init.
   */
  constructor(root: string, opts: { mounter?: Mounter; leaseDir?: string } = {}) {
    this.root = path.resolve(root);
    root = this.root;
    this.blobs = new BlobStore(root);
    this.index = new ImageIndex(root);
    this.layerDir = path.join(root, 'layers');
    this.links = new LayerLinks(root, this.layerDir);
    const leases = path.join(root, 'leases');
    this.rootfs = opts.leaseDir ? new RootfsManager(opts.leaseDir, opts.mounter, leases) : new RootfsManager(leases, opts.mounter);
  }

  /** init makes the directories, sweeps unfinished work and loads the index. */
  async init(): Promise<void> {
    await fsp.mkdir(this.root, { recursive: true });
    await this.blobs.init();
    await fsp.mkdir(this.layerDir, { recursive: true });
    await this.links.init();
    await this.index.load();
    await this.rootfs.init();
    await this.refreshUsage();
  }

  /** serial runs metadata changes one at a time, in call order, each after the shared work begun before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = Promise.all([this.chain, ...this.readers]).then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * shared runs work that only adds a container's rootfs (no record or layer goes away): any number
   * at once, after the metadata changes asked for before it and before those asked for after.
   */
  private shared<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    const settled = next.then(() => undefined, () => undefined);
    this.readers.add(settled);
    void settled.then(() => this.readers.delete(settled));
    return next;
  }

  /** pin keeps content an operation is using safe from removal until the returned release is called. */
  private pin(digests: string[]): () => void {
    for (const d of digests) this.pinned.set(d, (this.pinned.get(d) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of digests) {
        const n = (this.pinned.get(d) ?? 1) - 1;
        if (n <= 0) this.pinned.delete(d);
        else this.pinned.set(d, n);
      }
    };
  }

  /** pull fetches an image from its registry (see registry-client.ts) and records it. */
  async pull(ref: string, opts: PullOptions = {}): Promise<ImageRecord> {
    const parsed = parseReference(ref);
    const releases: (() => void)[] = [];
    const touched: string[] = [];
    const unpin = () => { for (const release of releases.splice(0)) release(); };
    try {
      const img = await pullImage(parsed, this.blobs, opts, (digest) => { touched.push(digest); releases.push(this.pin([digest])); });
      return publicRecord(await this.register(img));
    } catch (err) {
      unpin();
      await this.serial(() => this.dropUnreferenced(touched)); // a failed pull leaves no content behind
      throw err;
    } finally {
      unpin();
    }
  }

  /** importFile reads an OCI layout (tar or dir) or docker-save tarball; opts.tag names the (single) image. */
  async importFile(file: string, opts: { tag?: string } = {}): Promise<ImageRecord[]> {
    let tag: string | undefined;
    if (opts.tag !== undefined) {
      const t = taggedName(parseReference(opts.tag));
      if (!t || parseReference(opts.tag).digest) throw new ImageError('FLT_ERR_IMAGE_REFERENCE', `--tag "${opts.tag}" must be name:tag without a digest`);
      tag = t;
    }
    let ingested = new Set<string>();
    try {
      const result = await importArchive(file, this.blobs);
      ingested = result.ingested;
      const unique = new Map<string, ImportedImage>();
      for (const img of result.images) {
        const seen = unique.get(img.config.digest);
        if (seen) {
          seen.repoTags = [...new Set([...seen.repoTags, ...img.repoTags])];
          seen.repoDigests = [...new Set([...seen.repoDigests, ...img.repoDigests])];
        } else unique.set(img.config.digest, { ...img });
      }
      if (tag !== undefined) {
        if (unique.size > 1) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${file}: holds ${unique.size} images, so one --tag cannot name them`);
        const only = [...unique.values()][0]!;
        only.repoTags = [tag];
        only.repoDigests = only.repoDigests.filter((d) => d.startsWith(`${repositoryName(parseReference(tag!))}@`));
      }
      const out: ImageRecord[] = [];
      for (const img of unique.values()) out.push(publicRecord(await this.register(img)));
      return out;
    } catch (err) {
      const partial = (err as { ingested?: Set<string> }).ingested;
      if (partial) ingested = partial;
      throw err;
    } finally {
      await this.serial(() => this.dropUnreferenced([...ingested]));
    }
  }

  /** register unpacks an image's layers and then writes its record (so a record always has its layers). */
  private async register(img: ImportedImage): Promise<StoredImage> {
    const what = `image ${img.config.digest}`;
    const { config, diffIds } = parseImageConfig(await this.blobs.read(img.config.digest), `${what} config`);
    if (diffIds.length !== img.layers.length) {
      throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${what}: the manifest has ${img.layers.length} layers but the config lists ${diffIds.length} diff ids`);
    }
    for (const l of img.layers) {
      if (!(await this.blobs.has(l.digest))) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${what}: layer blob ${l.digest} is missing`);
    }
    const chain = chainIds(diffIds);
    const release = this.pin([img.manifestDigest, img.config.digest, ...img.layers.map((l) => l.digest), ...chain]);
    try {
      for (let i = 0; i < chain.length; i++) {
        try {
          await this.unpack(img.layers[i]!.digest, diffIds[i]!, chain.slice(0, i + 1));
        } catch (err) {
          release();
          await this.serial(() => this.dropUnreferenced([], chain.slice(0, i)));
          throw err;
        }
      }
      return await this.serial(async () => {
        const old = this.index.get(img.config.digest);
        const rec: StoredImage = {
          id: img.config.digest,
          repoTags: [...new Set([...(old?.repoTags ?? []), ...img.repoTags])].sort(),
          repoDigests: [...new Set([...(old?.repoDigests ?? []), ...img.repoDigests])].sort(),
          size: img.config.size + img.layers.reduce((n, l) => n + l.size, 0),
          config,
          manifestDigest: img.manifestDigest,
          layers: img.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
          diffIds,
          chainIds: chain,
          created: old?.created ?? new Date().toISOString(),
        };
        await this.index.put(rec);
        await this.refreshUsage();
        return rec;
      });
    } finally {
      release();
    }
  }

  /** layerPath is where a chain id's layer is unpacked. */
  private layerPath(chainId: string): string {
    return path.join(this.layerDir, hexOf(chainId));
  }

  /** unpack makes the top layer of a chain once; concurrent callers share the work. */
  private async unpack(blob: string, diffId: string, chain: string[]): Promise<void> {
    const top = chain[chain.length - 1]!;
    const target = this.layerPath(top);
    if (this.unpacked.has(top)) return;
    const running = this.unpacking.get(top);
    if (running) return running;
    const p = (async () => {
      if (!(await fsp.access(target).then(() => true, () => false))) {
        await unpackLayer({
          source: this.blobs.stream(blob),
          diffId,
          lowerDirs: chain.slice(0, -1).reverse().map((c) => this.layerPath(c)),
          target,
          tmpDir: this.blobs.tmpDir,
        });
      }
      this.unpacked.add(top);
    })().finally(() => this.unpacking.delete(top));
    this.unpacking.set(top, p);
    return p;
  }

  /** list returns every image. */
  list(): ImageRecord[] {
    return this.index.all().map(publicRecord);
  }

  /** status finds an image by name:tag, name@digest, id or unique short id prefix. */
  status(ref: string): ImageRecord | undefined {
    const s = this.index.resolve(ref);
    return s ? publicRecord(s) : undefined;
  }

  /** remove deletes an image and the content only it used; a missing image is fine (as CRI asks). */
  async remove(ref: string): Promise<void> {
    await this.serial(async () => {
      const img = this.index.resolve(ref);
      if (!img) return;
      const users = await this.rootfs.usersOf(img.id);
      if (users.length > 0) {
        throw new ImageError('FLT_ERR_IMAGE_IN_USE', `image ${img.repoTags[0] ?? img.id} is in use by container(s) ${users.join(', ')}`);
      }
      await this.index.delete(img.id);
      await this.dropUnreferenced([img.manifestDigest, img.id, ...img.layers.map((l) => l.digest)], img.chainIds);
      await this.refreshUsage();
    });
  }

  /** dropUnreferenced deletes blobs and layers that no image record names and no operation holds. */
  private async dropUnreferenced(blobs: string[], chains: string[] = []): Promise<void> {
    const used = new Set<string>(this.pinned.keys());
    for (const i of this.index.all()) for (const d of [i.manifestDigest, i.id, ...i.layers.map((l) => l.digest), ...i.chainIds]) used.add(d);
    for (const d of blobs) if (!used.has(d)) await this.blobs.delete(d);
    for (const c of chains) {
      if (used.has(c) || this.unpacking.has(c)) continue;
      this.unpacked.delete(c);
      await this.links.unlink(c);
      await fsp.rm(this.layerPath(c), { recursive: true, force: true });
    }
  }

  private async refreshUsage(): Promise<void> {
    this.usage = await diskUsage([path.join(this.root, 'blobs'), this.layerDir]);
  }

  /** fsInfo reports the bytes and inodes the store's blobs and layers use (as of the last change). */
  fsInfo(): { usedBytes: number; inodesUsed: number; mountpoint: string } {
    return { ...this.usage, mountpoint: this.root };
  }

  /** prepareRootfs mounts `<dir>/rootfs`: the image's layers read-only under the container's own upper dir (in rwDir, else dir); imageId is the image `ref` named. */
  async prepareRootfs(ref: string, containerId: string, dir: string, rwDir?: string): Promise<{ rootfs: string; config: ImageConfig; imageId: string }> {
    return this.shared(async () => {
      const img = this.index.resolve(ref);
      if (!img) throw new ImageError('FLT_ERR_IMAGE_NOT_FOUND', `image "${ref}" is not in the store (pull or import it first)`);
      for (let i = 0; i < img.chainIds.length; i++) await this.unpack(img.layers[i]!.digest, img.diffIds[i]!, img.chainIds.slice(0, i + 1));
      const lowerDirs: string[] = [];
      for (const c of [...img.chainIds].reverse()) lowerDirs.push(await this.links.link(c));
      const rootfs = await this.rootfs.prepare({ containerId, imageId: img.id, dir, rwDir, lowerDirs });
      return { rootfs, config: structuredClone(img.config), imageId: img.id };
    });
  }

  /** keepRootfsLease records that a container uses an image (its rootfs in dir, rwDir) when no lease says so: see RootfsManager.keepLease. */
  keepRootfsLease(containerId: string, imageId: string, dir: string, rwDir?: string): void {
    this.rootfs.keepLease({ containerId, imageId, dir: path.resolve(dir), ...(rwDir ? { rwDir: path.resolve(rwDir) } : {}) });
  }

  /** releaseRootfs unmounts a container's rootfs and removes its upper and work dirs; idempotent. */
  async releaseRootfs(containerId: string, dir: string, rwDir?: string): Promise<void> {
    await this.shared(() => this.rootfs.release(containerId, dir, rwDir));
  }
}
