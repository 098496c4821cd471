/**
 * volatile-dir.ts: `<root>/run`, where the runtime keeps what means nothing after a reboot: OCI
 * state directories, namespace bind files, each pod's hosts/resolv.conf/shm and the IPAM leases.
 * It is a tmpfs the runtime mounts unless it is one already: on this kind of root fs (ext4 without
 * a journal) every file created costs a scan of recently deleted inodes, tens of them per pod.
 * Like containerd's /run state it outlives a runtime restart but not a reboot, which ends the
 * containers and namespaces it describes anyway; the records under `<root>` stay on disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

/** TMPFS_MAGIC is statfs(2)'s f_type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;

/** VolatileDirError: the tmpfs could not be mounted; the message names the directory. */
export class VolatileDirError extends Error {
  readonly code = 'FLT_ERR_STATE_TMPFS';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VolatileDirError';
  }
}

/** volatileDir is the runtime's volatile state directory under its root. */
export function volatileDir(root: string): string {
  return join(root, 'run');
}

/** isTmpfs says whether dir lies on a tmpfs. */
export function isTmpfs(dir: string): boolean {
  return statfsSync(dir).type === TMPFS_MAGIC;
}

/** mountVolatileDir makes `<root>/run` and mounts a tmpfs there unless it is on one (a restarted runtime finds its own). */
export function mountVolatileDir(root: string): string {
  const dir = volatileDir(root);
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  if (isTmpfs(dir)) return dir;
  try {
    // 0711 as the OCI root always was: a container's non-root init still reaches its exec.fifo.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0711', 'flotilla-run', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new VolatileDirError(`mount tmpfs at ${dir}: ${stderr || (err as Error).message}`, { cause: err });
  }
  return dir;
}
