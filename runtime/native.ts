/**
 * native.ts: the one file that loads koffi. It binds native/build/libflotilla.so (C, libc only)
 * and turns each `int flt_x(..., struct flt_error *err)` into a typed function that throws a
 * NativeError naming the errno. The library is loaded on first use, so importing this module
 * never fails on a machine where `make -C native` has not run yet.
 */
import koffi from 'koffi';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** NATIVE_BUILD_DIR is native/build/ of this checkout (this file compiles to dist/runtime/native.js). */
export const NATIVE_BUILD_DIR = fileURLToPath(new URL('../../native/build/', import.meta.url));

/** SHIM_PATH is the absolute path of the flotilla-shim executable that runtime/shim/ launches. */
export const SHIM_PATH = join(NATIVE_BUILD_DIR, 'flotilla-shim');

/** LIBRARY_PATH is the absolute path of libflotilla.so. */
export const LIBRARY_PATH = join(NATIVE_BUILD_DIR, 'libflotilla.so');

const ERROR_SIZE = 1024; // sizeof(struct flt_error): int errno_value; char msg[1020]
const CLONE_NEWNET = 0x40000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUTS = 0x04000000;
const MNT_DETACH = 2;

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(osConstants.errno)) if (!errnoNames.has(value)) errnoNames.set(value, name);

/** NativeError is a failure reported by libflotilla: `code` is the errno name ('EPERM'), `errno` its number. */
export class NativeError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly fltCode = 'FLT_ERR_NATIVE';

  constructor(message: string, errno: number) {
    super(message);
    this.name = 'NativeError';
    this.errno = errno;
    this.code = errnoNames.get(errno) ?? (errno === 0 ? 'EUNKNOWN' : `E${errno}`);
  }
}

type Fn = ((...args: unknown[]) => number) & { async: (...args: unknown[]) => void };
interface Bindings {
  nsCreate: Fn;
  nsRemove: Fn;
  mountOverlay: Fn;
  mountBind: Fn;
  unmount: Fn;
  setTopDir: Fn;
  kill: Fn;
  pidfdSignal: Fn;
  features: Fn;
  spawnShim: Fn;
  vethAttach: Fn;
  linkDelete: Fn;
  linkIndex: Fn;
}

let bindings: Bindings | undefined;

function lib(): Bindings {
  if (bindings) return bindings;
  if (!existsSync(LIBRARY_PATH)) {
    throw new NativeError(`native library not built: run \`make -C native\` (missing ${LIBRARY_PATH})`, osConstants.errno.ENOENT);
  }
  const l = koffi.load(LIBRARY_PATH);
  const errorSize = l.func('int flt_error_size(void)')() as number;
  if (errorSize !== ERROR_SIZE) throw new NativeError(`${LIBRARY_PATH}: struct flt_error is ${errorSize} bytes, expected ${ERROR_SIZE}: rebuild with \`make -C native\``, 0);
  bindings = {
    nsCreate: l.func('int flt_ns_create(const char *dir, int flags, const char *hostname, void *err)') as Fn,
    nsRemove: l.func('int flt_ns_remove(const char *dir, void *err)') as Fn,
    mountOverlay: l.func('int flt_mount_overlay(const char *lower, const char *upper, const char *work, const char *target, void *err)') as Fn,
    mountBind: l.func('int flt_mount_bind(const char *src, const char *dst, int readonly, void *err)') as Fn,
    unmount: l.func('int flt_unmount(const char *target, int flags, void *err)') as Fn,
    setTopDir: l.func('int flt_set_topdir(const char *dir, void *err)') as Fn,
    kill: l.func('int flt_kill(int pid, int signal, void *err)') as Fn,
    pidfdSignal: l.func('int flt_pidfd_signal(int pid, int signal, void *err)') as Fn,
    features: l.func('int flt_features(void *out, int len, void *err)') as Fn,
    spawnShim: l.func('int flt_spawn_shim(const char *path, const char **argv, void *err)') as Fn,
    vethAttach: l.func('int flt_veth_attach(const char *host_if, const char *bridge, const char *netns_path, const char *peer_if, const char *address, int prefix, const char *gateway, void *err)') as Fn,
    linkDelete: l.func('int flt_link_delete(const char *name, void *err)') as Fn,
    linkIndex: l.func('int flt_link_index(const char *name, void *err)') as Fn,
  };
  return bindings;
}

function cString(buf: Buffer, start: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 ? buf.length : end);
}

/** call runs one native function with a fresh error struct and throws NativeError when it fails. */
function call(fn: keyof Bindings, ...args: unknown[]): number {
  const err = Buffer.alloc(ERROR_SIZE);
  const rc = lib()[fn](...args, err);
  if (rc < 0) throw new NativeError(cString(err, 4) || `${fn} failed`, err.readInt32LE(0));
  return rc;
}

/** callInThread is call on one of koffi's worker threads: the event loop goes on while the kernel works. */
function callInThread(fn: keyof Bindings, ...args: unknown[]): Promise<number> {
  const err = Buffer.alloc(ERROR_SIZE);
  return new Promise((resolve, reject) => {
    lib()[fn].async(...args, err, (e: unknown, rc: number) => {
      if (e) reject(e instanceof Error ? e : new NativeError(`${fn}: ${String(e)}`, 0));
      else if (rc < 0) reject(new NativeError(cString(err, 4) || `${fn} failed`, err.readInt32LE(0)));
      else resolve(rc);
    });
  });
}

/** NamespaceKind names the namespaces a pod sandbox keeps: network, IPC and UTS. */
export type NamespaceKind = 'net' | 'ipc' | 'uts';

/** NamespacePaths are the bind-mounted namespace files nsCreate made, for linux.namespaces[].path. */
export type NamespacePaths = { net?: string; ipc?: string; uts?: string };

/** nsCreate makes persistent namespaces as files <dir>/{net,ipc,uts} (lo up, hostname set); no process stays. */
export function nsCreate(dir: string, kinds: NamespaceKind[], hostname?: string): NamespacePaths {
  call('nsCreate', dir, nsFlags(kinds), hostname ?? null);
  return nsPaths(dir, kinds);
}

/** nsCreateInThread is nsCreate on a worker thread: making a network namespace costs the kernel milliseconds. */
export async function nsCreateInThread(dir: string, kinds: NamespaceKind[], hostname?: string): Promise<NamespacePaths> {
  await callInThread('nsCreate', dir, nsFlags(kinds), hostname ?? null);
  return nsPaths(dir, kinds);
}

function nsFlags(kinds: NamespaceKind[]): number {
  const flagOf: Record<NamespaceKind, number> = { net: CLONE_NEWNET, ipc: CLONE_NEWIPC, uts: CLONE_NEWUTS };
  let flags = 0;
  for (const k of kinds) {
    if (!(k in flagOf)) throw new NativeError(`nsCreate: unknown namespace kind "${String(k)}" (want net, ipc or uts)`, osConstants.errno.EINVAL);
    flags |= flagOf[k];
  }
  return flags;
}

function nsPaths(dir: string, kinds: NamespaceKind[]): NamespacePaths {
  const out: NamespacePaths = {};
  for (const k of kinds) out[k] = join(dir, k);
  return out;
}

/** nsRemove unmounts and unlinks the namespace files in dir (fine if already gone) and removes dir when empty. */
export function nsRemove(dir: string): void {
  call('nsRemove', dir);
}

/** VethAttach names a sandbox's veth pair: the host end on a bridge, the peer in a network namespace with its address and default route. */
export type VethAttach = { hostIf: string; bridge: string; netnsPath: string; peerIf: string; address: string; prefix: number; gateway: string };

/** vethAttach plumbs a veth pair over rtnetlink (no `ip` process), on a worker thread; the caller deletes hostIf if it fails. */
export async function vethAttach(v: VethAttach): Promise<void> {
  await callInThread('vethAttach', v.hostIf, v.bridge, v.netnsPath, v.peerIf, v.address, v.prefix, v.gateway);
}

/** linkDelete deletes a network interface of this namespace by name; false when there was none. */
export function linkDelete(name: string): boolean {
  return call('linkDelete', name) === 0;
}

/** linkIndex returns the index of a network interface of this namespace by name, or 0 when there is none. */
export function linkIndex(name: string): number {
  return call('linkIndex', name);
}

/** OverlayMount describes an overlay: lowerDirs topmost first; without upperDir it is read-only. */
export type OverlayMount = { lowerDirs: string[]; upperDir: string; workDir: string; target: string };

/** mountOverlay mounts an overlay filesystem (an image's layers plus a container's writable layer), making target, upper and work dirs that are missing. */
export function mountOverlay(o: OverlayMount): void {
  if (o.lowerDirs.length === 0) throw new NativeError(`overlay \`${o.target}\`: no lower directories`, osConstants.errno.EINVAL);
  call('mountOverlay', o.lowerDirs.join(':'), o.upperDir, o.workDir, o.target);
}

/** mountOverlayInThread is mountOverlay on a worker thread: the directories it makes on disk and the mount cost the kernel time. */
export async function mountOverlayInThread(o: OverlayMount): Promise<void> {
  if (o.lowerDirs.length === 0) throw new NativeError(`overlay \`${o.target}\`: no lower directories`, osConstants.errno.EINVAL);
  await callInThread('mountOverlay', o.lowerDirs.join(':'), o.upperDir, o.workDir, o.target);
}

/** mountBind bind-mounts src on dst (recursively), read-only when asked. */
export function mountBind(src: string, dst: string, readonly = false): void {
  call('mountBind', src, dst, readonly ? 1 : 0);
}

/** unmount unmounts target; detach makes it lazy (MNT_DETACH) for mounts still in use. */
export function unmount(target: string, opts: { detach?: boolean } = {}): void {
  call('unmount', target, opts.detach ? MNT_DETACH : 0);
}

/** setTopDir marks dir as a top directory (chattr +T): ext4 spreads its subdirectories over block groups. */
export function setTopDir(dir: string): void {
  call('setTopDir', dir);
}

/** signalNumberOf turns 'SIGTERM' or 15 into 15, throwing for names this OS does not know. */
export function signalNumberOf(signal: NodeJS.Signals | number): number {
  if (typeof signal === 'number') return signal;
  const n = osConstants.signals[signal];
  if (n === undefined) throw new NativeError(`unknown signal "${signal}"`, osConstants.errno.EINVAL);
  return n;
}

/** signalProcess sends a signal through a pidfd (kill(2) where the kernel has no pidfd_open). */
export function signalProcess(pid: number, signal: NodeJS.Signals | number): void {
  const sig = signalNumberOf(signal);
  try {
    call('pidfdSignal', pid, sig);
  } catch (e) {
    if (e instanceof NativeError && e.code === 'ENOSYS') call('kill', pid, sig);
    else throw e;
  }
}

/**
 * spawnShim runs `flotilla-shim ARGS` with /dev/null on 0-2 and a pipe on fd 3 (its sync fd),
 * through posix_spawn, which costs the same whatever this process's size (unlike fork), and
 * returns the pipe's read end; the caller owns it. The shim's first process is reaped here.
 */
export function spawnShim(args: string[]): number {
  if (!existsSync(SHIM_PATH)) throw new NativeError(`native shim not built: run \`make -C native\` (missing ${SHIM_PATH})`, osConstants.errno.ENOENT);
  return call('spawnShim', SHIM_PATH, [SHIM_PATH, ...args, null]);
}

/** KernelFeatures is what this kernel offers the runtime, read once by kernelFeatures(). */
export type KernelFeatures = {
  cgroupVersion: 1 | 2;
  cgroupHybrid: boolean;
  pidfd: boolean;
  overlay: boolean;
  namespaces: string[];
  kernel: string;
};

/** kernelFeatures reports the cgroup version, pidfd, overlay support and available namespaces. */
export function kernelFeatures(): KernelFeatures {
  const out = Buffer.alloc(4096);
  call('features', out, out.length);
  return JSON.parse(cString(out, 0)) as KernelFeatures;
}
