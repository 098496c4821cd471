/**
 * wiring.ts: connects the runtime service to the real parts: the OCI lifecycle
 * (runtime/oci/lifecycle.ts), persistent namespaces (runtime/native.ts), the shim's exec
 * (runtime/shim/), the cgroup manager and the image store, each adapted to the small shapes
 * in runtime/sandbox/deps.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OciRuntime } from '../oci/lifecycle.js';
import { createCgroupManager } from '../cgroups/detect.js';
import { ImageStore } from '../images/image-store.js';
import { nsCreateInThread, nsRemove, setTopDir } from '../native.js';
import { execInContainer } from '../shim/index.js';
import type { ExitInfo, ImagePort, NamespacePort, OciRuntimePort, ExecPort, RuntimeDeps } from '../sandbox/deps.js';
import { FlotillaRuntime, lockRoot } from './flotilla-runtime.js';
import { notFound } from './errors.js';
import { mountVolatileDir } from '../state/volatile-dir.js';

/** isoToNs turns an RFC 3339 time with up to nanosecond digits into nanoseconds since the epoch. */
export function isoToNs(iso: string | undefined): number {
  if (!iso) return 0;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? 0 : ms * 1e6;
  }
  const whole = Date.parse(`${m[1]}${m[3]}`);
  const frac = Number(((m[2] ?? '') + '000000000').slice(0, 9));
  return Number.isNaN(whole) ? 0 : whole * 1e6 + frac;
}

function codeOf(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

interface OciExitFields {
  exitCode?: number | null;
  signal?: number | null;
  startedAt?: string;
  finishedAt?: string;
  oomKilled?: boolean;
}

function exitOf(e: OciExitFields): ExitInfo {
  return {
    exitCode: e.exitCode ?? null,
    signal: e.signal ?? null,
    startedAt: isoToNs(e.startedAt),
    finishedAt: isoToNs(e.finishedAt),
    oomKilled: e.oomKilled === true,
  };
}

/** ociPort adapts OciRuntime: unknown containers read as undefined, a timed-out wait as undefined. */
export function ociPort(oci: OciRuntime): OciRuntimePort {
  return {
    create: (id, bundle, opts) => oci.createOnly(id, bundle, opts),
    start: (id) => oci.start(id),
    state: async (id) => {
      try {
        const st = oci.state(id);
        return { status: st.status, pid: st.pid };
      } catch (err) {
        if (codeOf(err) === 'FLT_ERR_OCI_NOT_FOUND') return undefined;
        throw err;
      }
    },
    kill: async (id, signal) => {
      try {
        oci.kill(id, signal);
      } catch (err) {
        if (codeOf(err) !== 'FLT_ERR_OCI_STATE' && codeOf(err) !== 'FLT_ERR_OCI_NOT_FOUND') throw err;
      }
    },
    wait: async (id, timeoutMs) => {
      if (timeoutMs <= 0) {
        const st = oci.state(id);
        return st.status === 'stopped' ? exitOf(st) : undefined;
      }
      try {
        return exitOf(await oci.wait(id, timeoutMs));
      } catch (err) {
        if (codeOf(err) === 'FLT_ERR_OCI_TIMEOUT') return undefined;
        throw err;
      }
    },
    delete: async (id, opts) => {
      try {
        await oci.delete(id, opts);
      } catch (err) {
        if (codeOf(err) !== 'FLT_ERR_OCI_NOT_FOUND') throw err;
      }
    },
  };
}

/** namespacePort adapts nsCreate/nsRemove from runtime/native.ts. */
export const namespacePort: NamespacePort = {
  create: async (dir, kinds, hostname) => {
    const ns = await nsCreateInThread(dir, kinds, hostname);
    return { net: ns.net!, ipc: ns.ipc!, uts: ns.uts! };
  },
  remove: async (dir) => {
    await nsRemove(dir);
  },
};

/** imagePort adapts the ImageStore: the rootfs plus the resolved image id. */
export function imagePort(images: ImageStore): ImagePort {
  const missing = (ref: string): string => `image "${ref}" is not in the store (pull or import it first)`;
  const resolveImage = (ref: string): string => {
    const img = images.status(ref);
    if (!img) throw Object.assign(notFound('image', ref), { message: missing(ref) });
    return img.id;
  };
  return {
    resolveImage,
    // The store resolves `ref` itself, under its lock: no second lookup here.
    prepareRootfs: async (ref, containerId, dir, rwDir) => {
      try {
        return await images.prepareRootfs(ref, containerId, dir, rwDir);
      } catch (err) {
        if (codeOf(err) === 'FLT_ERR_IMAGE_NOT_FOUND' && (err as Error).message === missing(ref)) throw Object.assign(notFound('image', ref), { message: missing(ref) });
        throw err;
      }
    },
    releaseRootfs: (containerId, dir, rwDir) => images.releaseRootfs(containerId, dir, rwDir),
  };
}

/** execPort adapts the shim's execInContainer. */
export const execPort: ExecPort = {
  exec: async (opts) => {
    try {
      const r = await execInContainer(opts);
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      if (codeOf(err) === 'FLT_ERR_SHIM_TIMEOUT') return { exitCode: -1, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: true };
      throw err;
    }
  },
};

/**
 * openImageStore opens (and initializes) the image store under a runtime root, its rootfs leases in
 * the volatile dir (`runDir`, mounted): they guard mounts a reboot ends anyway, and a file on the
 * tmpfs costs no disk inode per container.
 */
export async function openImageStore(root: string, runDir: string): Promise<ImageStore> {
  const images = new ImageStore(join(root, 'images'), { leaseDir: join(runDir, 'leases') });
  await images.init();
  return images;
}

/**
 * spreadContainerDirs marks `<root>/containers` a top directory (chattr +T), so ext4 places each
 * container's dir (its overlay upper and work) in its own block group. Why: without a journal, ext4
 * skips every inode of the group deleted in the last minutes when it allocates one, and the overlay
 * mount alone creates and deletes four in the work dir: packed into one group, each pod's mount
 * scanned past all the earlier pods' (about half the runtime's kernel time in bench:startup).
 * Filesystems without the flag (tmpfs, a test's) are fine as they are.
 */
function spreadContainerDirs(dir: string, log: (m: string) => void): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    setTopDir(dir);
  } catch (err) {
    const code = codeOf(err);
    if (code !== 'ENOTTY' && code !== 'EOPNOTSUPP' && code !== 'EINVAL') log(`${dir}: ${(err as Error).message} (container dirs stay packed in one block group)`);
  }
}

/** openRuntime builds a FlotillaRuntime on `root` with the real parts, loading any state it finds. */
export async function openRuntime(opts: { root: string; cgroupParent?: string; podCidr?: string; bridge?: string; log?: (m: string) => void }): Promise<{ runtime: FlotillaRuntime; images: ImageStore }> {
  // The root is claimed before the image store sweeps its temp files, which another runtime may be using.
  mkdirSync(opts.root, { recursive: true, mode: 0o700 });
  lockRoot(opts.root);
  spreadContainerDirs(join(opts.root, 'containers'), opts.log ?? ((m) => process.stderr.write(`flotilla runtime: ${m}\n`)));
  const cgroups = createCgroupManager();
  const runDir = mountVolatileDir(opts.root);
  const images = await openImageStore(opts.root, runDir);
  const oci = new OciRuntime({ root: join(runDir, 'oci'), cgroups });
  const deps: RuntimeDeps = { oci: ociPort(oci), namespaces: namespacePort, cgroups, images: imagePort(images), exec: execPort };
  const runtime = FlotillaRuntime.open({ ...opts, deps });
  // Leases live on the tmpfs: after a reboot, the containers still listed keep their images in use again.
  for (const c of runtime.ctx.store.listContainers()) images.keepRootfsLease(c.id, c.imageId, c.bundle, runtime.ctx.store.containerDir(c.id));
  return { runtime, images };
}
