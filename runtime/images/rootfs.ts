/**
 * Container root filesystems: an overlay of the image's read-only layer directories under the
 * container's own upper and work dirs (`<rwDir>/upper`, `<rwDir>/work`), mounted at `<dir>/rootfs`.
 * The two dirs may differ: the runtime keeps the mount point on its tmpfs (nothing to collect after a
 * reboot, no inode made on disk) and only upper and work, the container's writes, on disk. A lease
 * file per container records which image it uses (so the image cannot be removed under it) and
 * survives restarts of the runtime.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ImageError } from './errors.js';
import { sweepStale, writeFileAtomic } from './store.js';

/** Mounter is the slice of runtime/native.ts the rootfs needs (tests of pure logic may pass another). */
export interface Mounter {
  mountOverlay(opts: { lowerDirs: string[]; upperDir: string; workDir: string; target: string }): void;
  unmount(target: string, opts?: { detach?: boolean }): void;
}

/** Lease records one container's use of one image's layers. */
export interface Lease {
  containerId: string;
  imageId: string;
  dir: string;
  /** rwDir holds upper and work; absent in leases written when they lay under dir. */
  rwDir?: string;
}

const CONTAINER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** rootfsPaths names the three directories a container's rootfs uses: the mount point under dir, upper and work under rwDir. */
export function rootfsPaths(dir: string, rwDir = dir): { rootfs: string; upper: string; work: string } {
  return { rootfs: path.join(dir, 'rootfs'), upper: path.join(rwDir, 'upper'), work: path.join(rwDir, 'work') };
}

/** unescapeMountPath decodes the octal escapes (`\040` for a space) of /proc/self/mountinfo. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** isMountPoint tells whether a path is a mount point in this process's mount namespace. */
export async function isMountPoint(target: string): Promise<boolean> {
  const info = await fsp.readFile('/proc/self/mountinfo', 'utf8');
  const want = path.resolve(target);
  return info.split('\n').some((line) => {
    const f = line.split(' ');
    return f.length > 4 && unescapeMountPath(f[4]!) === want;
  });
}

/** mountedOver says whether target's device differs from its parent's: cheap, and enough for an overlay (its own device). */
async function mountedOver(target: string): Promise<boolean> {
  try {
    return (await fsp.stat(target)).dev !== (await fsp.stat(path.dirname(target))).dev;
  } catch {
    return false;
  }
}

/** loadNative loads runtime/native.ts only when a mount is needed, so import and pull work without it. */
async function loadNative(): Promise<Mounter> {
  const mod = await import('../native.js');
  return { mountOverlay: (o) => mod.mountOverlay(o), unmount: (t, o) => mod.unmount(t, o) };
}

/** RootfsManager mounts and releases container rootfs overlays and keeps their leases. */
export class RootfsManager {
  private mounter: Mounter | undefined;
  /**
   * mounted holds the rootfs mount points this instance mounted, so a release need not read
   * /proc/self/mountinfo (it grows with every pod); one it did not mount (a restart, a crash) is
   * looked up there.
   */
  private readonly mounted = new Set<string>();

  constructor(private readonly leaseDir: string, mounter?: Mounter) {
    this.mounter = mounter;
  }

  /** init makes the lease directory and drops lease files a dead writer half-wrote. */
  async init(): Promise<void> {
    await fsp.mkdir(this.leaseDir, { recursive: true });
    await sweepStale(this.leaseDir);
  }

  private async native(): Promise<Mounter> {
    this.mounter ??= await loadNative();
    return this.mounter;
  }

  private leaseFile(containerId: string): string {
    if (!CONTAINER_ID_RE.test(containerId)) {
      throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `container id "${containerId}" must be 1-128 of [A-Za-z0-9_.-], starting alphanumeric`);
    }
    return path.join(this.leaseDir, `${containerId}.json`);
  }

  /** leases lists every container rootfs the store knows of. */
  async leases(): Promise<Lease[]> {
    const out: Lease[] = [];
    for (const n of (await fsp.readdir(this.leaseDir)).sort()) {
      if (!n.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(await fsp.readFile(path.join(this.leaseDir, n), 'utf8')) as Lease);
      } catch {
        // a lease we cannot read still blocks nothing we can name; release() of its container removes it
      }
    }
    return out;
  }

  /** usersOf lists the containers whose rootfs uses an image. */
  async usersOf(imageId: string): Promise<string[]> {
    return (await this.leases()).filter((l) => l.imageId === imageId).map((l) => l.containerId);
  }

  /** prepare mounts the overlay (lowerDirs topmost first) at `<dir>/rootfs` over `<rwDir>/upper`; a mounted one is returned as is. */
  async prepare(opts: { containerId: string; imageId: string; dir: string; rwDir?: string; lowerDirs: string[] }): Promise<string> {
    const file = this.leaseFile(opts.containerId);
    for (const d of [opts.dir, opts.rwDir ?? opts.dir]) {
      if (!path.isAbsolute(d)) throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `container dir "${d}" must be an absolute path`);
    }
    const p = rootfsPaths(opts.dir, opts.rwDir);
    // Only a rootfs directory that exists can be mounted already (a new container's does not: no mount table read).
    const exists = await fsp.access(p.rootfs).then(() => true, () => false);
    if (exists && (this.mounted.has(p.rootfs) || (await isMountPoint(p.rootfs)))) {
      const lease = await fsp.readFile(file, 'utf8').then((s) => JSON.parse(s) as Lease, () => undefined);
      if (lease?.imageId === opts.imageId) return p.rootfs;
      throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `${p.rootfs} is already mounted for another image or container`);
    }
    const lease: Lease = { containerId: opts.containerId, imageId: opts.imageId, dir: path.resolve(opts.dir), ...(opts.rwDir ? { rwDir: path.resolve(opts.rwDir) } : {}) };
    // No fsync: the mount it guards does not outlive a reboot either.
    await writeFileAtomic(file, `${JSON.stringify(lease)}\n`, { durable: false });
    try {
      for (const d of [p.rootfs, p.upper, p.work]) await fsp.mkdir(d, { recursive: true });
      const native = await this.native();
      try {
        native.mountOverlay({ lowerDirs: opts.lowerDirs, upperDir: p.upper, workDir: p.work, target: p.rootfs });
        this.mounted.add(p.rootfs);
      } catch (err) {
        throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `mount overlay at ${p.rootfs}: ${(err as Error).message}`, { cause: err });
      }
      return p.rootfs;
    } catch (err) {
      await this.cleanup(opts.containerId, opts.dir, opts.rwDir).catch(() => undefined);
      throw err;
    }
  }

  /** release unmounts `<dir>/rootfs` (lazily if busy), removes rootfs, upper and work (under rwDir), and drops the lease. */
  async release(containerId: string, dir: string, rwDir?: string): Promise<void> {
    this.leaseFile(containerId);
    await this.cleanup(containerId, dir, rwDir);
  }

  private async cleanup(containerId: string, dir: string, rwDir?: string): Promise<void> {
    const p = rootfsPaths(dir, rwDir);
    if (this.mounted.has(p.rootfs) || (await isMountPoint(p.rootfs))) {
      const native = await this.native();
      try {
        native.unmount(p.rootfs);
      } catch {
        try {
          native.unmount(p.rootfs, { detach: true });
        } catch (err) {
          // One we mounted may have been unmounted behind our back: only a real mount is an error.
          if (await isMountPoint(p.rootfs)) throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `unmount ${p.rootfs}: ${(err as Error).message}`, { cause: err });
        }
      }
      if (await mountedOver(p.rootfs)) throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `${p.rootfs} is still mounted after unmount`);
      this.mounted.delete(p.rootfs);
    }
    await fsp.rm(p.upper, { recursive: true, force: true });
    await fsp.rm(p.work, { recursive: true, force: true });
    await fsp.rmdir(p.rootfs).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `remove ${p.rootfs}: ${err.message}`, { cause: err });
    });
    await fsp.rm(this.leaseFile(containerId), { force: true });
  }
}
