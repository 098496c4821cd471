/**
 * Short names for layer directories. Overlay mount options must fit in one page (4095 bytes), so 60
 * lowerdirs of `<root>/layers/<64 hex>` do not fit; like Docker's overlay2 `l/` directory, each layer
 * gets a short symlink `<root>/l/<16 hex>` that the lowerdir option names instead (the kernel follows it).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { hexOf } from './oci.js';

const SHORT = 16;

/** LayerLinks makes and removes the short symlinks of layer directories under one store root. */
export class LayerLinks {
  readonly dir: string;
  /** known caches link()'s answers: a link, once there, changes only through unlink() (no readlink per container rootfs). */
  private readonly known = new Map<string, string>();

  constructor(root: string, private readonly layerDir: string) {
    this.dir = path.join(root, 'l');
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
  }

  private target(chainId: string): string {
    return path.relative(this.dir, path.join(this.layerDir, hexOf(chainId)));
  }

  /** link returns the short path of a layer, or its full path if the short name is taken by another layer. */
  async link(chainId: string): Promise<string> {
    const cached = this.known.get(chainId);
    if (cached) return cached;
    const found = await this.find(chainId);
    this.known.set(chainId, found);
    return found;
  }

  private async find(chainId: string): Promise<string> {
    const short = path.join(this.dir, hexOf(chainId).slice(0, SHORT));
    const want = this.target(chainId);
    for (let attempt = 0; attempt < 2; attempt++) {
      const have = await fsp.readlink(short).catch(() => undefined);
      if (have === want) return short;
      if (have !== undefined) return path.join(this.layerDir, hexOf(chainId));
      try {
        await fsp.symlink(want, short);
        return short;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    return path.join(this.layerDir, hexOf(chainId));
  }

  /** unlink removes a layer's short link if it is that layer's. */
  async unlink(chainId: string): Promise<void> {
    this.known.delete(chainId);
    const short = path.join(this.dir, hexOf(chainId).slice(0, SHORT));
    if ((await fsp.readlink(short).catch(() => undefined)) === this.target(chainId)) await fsp.rm(short, { force: true });
  }
}
