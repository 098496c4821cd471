/**
 * Container root filesystems: an overlay of the image's read-only layer directories under the
 * container's own upper and work dirs (`<rwDir>/upper`, `<rwDir>/work`), mounted at `<dir>/rootfs`.
 * The two dirs may differ: the runtime keeps the mount point on its tmpfs (nothing to collect after a
 * reboot, no inode made on disk) and only upper and work, the container's writes, on disk. A lease
 * file per container records which image it uses (so the image cannot be removed under it) and
 * survives restarts of the runtime; the runtime keeps leases on its tmpfs too, as the mounts they
 * guard do not outlive a reboot, so they are written with plain synchronous calls.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ImageError } from './errors.js';
import { sweepStale, tempName } from './store.js';

/** Mounter is the slice of runtime/native.ts the rootfs needs (tests of pure logic may pass another). */
export interface Mounter {
  /** mountOverlay makes target, upperDir and workDir when missing, then mounts. */
  mountOverlay(opts: { lowerDirs: string[]; upperDir: string; workDir: string; target: string }): void | Promise<void>;
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
  // On a worker thread: one call makes upper and work on disk and mounts, while the event loop goes on.
  return { mountOverlay: (o) => mod.mountOverlayInThread(o), unmount: (t, o) => mod.unmount(t, o) };
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

  /** legacyLeaseDir is where an older runtime kept leases (on disk), moved into leaseDir at init. */
  constructor(private readonly leaseDir: string, mounter?: Mounter, private readonly legacyLeaseDir?: string) {
    this.mounter = mounter;
  }

  /** init makes the lease directory, drops lease files a dead writer half-wrote and takes over an older runtime's leases. */
  async init(): Promise<void> {
    await fsp.mkdir(this.leaseDir, { recursive: true });
    await sweepStale(this.leaseDir);
    if (this.legacyLeaseDir && path.resolve(this.legacyLeaseDir) !== path.resolve(this.leaseDir)) this.adoptLegacyLeases(this.legacyLeaseDir);
  }

  /** adoptLegacyLeases moves the leases of legacyDir (whole ones; temp files are dropped) into the lease directory. */
  private adoptLegacyLeases(legacyDir: string): void {
    let names: string[];
    try {
      names = readdirSync(legacyDir);
    } catch {
      return;
    }
    for (const n of names) {
      const from = path.join(legacyDir, n);
      if (n.endsWith('.json') && CONTAINER_ID_RE.test(n.slice(0, -'.json'.length))) {
        const text = readFileSync(from, 'utf8');
        writeLease(path.join(this.leaseDir, n), text);
      }
      rmSync(from, { force: true, recursive: true });
    }
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

  /**
   * keepLease records that a container uses an image unless a lease says so already: how a runtime
   * whose leases went with a reboot (its tmpfs) keeps the images of the containers it still lists in use.
   */
  keepLease(lease: Lease): void {
    const file = this.leaseFile(lease.containerId);
    if (!existsSync(file)) writeLease(file, `${JSON.stringify(lease)}\n`);
  }

  /** prepare mounts the overlay (lowerDirs topmost first) at `<dir>/rootfs` over `<rwDir>/upper`; a mounted one is returned as is. */
  async prepare(opts: { containerId: string; imageId: string; dir: string; rwDir?: string; lowerDirs: string[] }): Promise<string> {
    const file = this.leaseFile(opts.containerId);
    for (const d of [opts.dir, opts.rwDir ?? opts.dir]) {
      if (!path.isAbsolute(d)) throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `container dir "${d}" must be an absolute path`);
    }
    const p = rootfsPaths(opts.dir, opts.rwDir);
    // Only a rootfs that is in use can be mounted already (a new container's is not: no mount table read).
    if (this.mounted.has(p.rootfs) || (existsSync(p.rootfs) && (await isMountPoint(p.rootfs)))) {
      const lease = readLease(file);
      if (lease?.imageId === opts.imageId) return p.rootfs;
      throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `${p.rootfs} is already mounted for another image or container`);
    }
    const lease: Lease = { containerId: opts.containerId, imageId: opts.imageId, dir: path.resolve(opts.dir), ...(opts.rwDir ? { rwDir: path.resolve(opts.rwDir) } : {}) };
    writeLease(file, `${JSON.stringify(lease)}\n`);
    try {
      const native = await this.native();
      try {
        // One call makes the mount point, upper and work (the latter two on disk) and mounts.
        await native.mountOverlay({ lowerDirs: opts.lowerDirs, upperDir: p.upper, workDir: p.work, target: p.rootfs });
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
    try {
      rmdirSync(p.rootfs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') throw new ImageError('FLT_ERR_IMAGE_ROOTFS', `remove ${p.rootfs}: ${e.message}`, { cause: err });
    }
    try {
      unlinkSync(this.leaseFile(containerId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** readLease reads a container's lease, undefined when it is missing or unreadable. */
function readLease(file: string): Lease | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Lease;
  } catch {
    return undefined;
  }
}

/**
 * writeLease writes a lease through a temp file and a rename, so a reader never sees half of one.
 * No fsync, and synchronous: the runtime keeps leases on its tmpfs, and the mount a lease guards
 * does not outlive a reboot either.
 */
function writeLease(file: string, text: string): void {
  const tmp = `${file}${tempName('')}`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
