/**
 * launch.ts: launchShim starts `flotilla-shim create` and waits for its one JSON line on the
 * sync pipe (fd 3): {"pid":…,"shimPid":…} or {"error":"…","errno":N}. The shim detaches at
 * once, so the container outlives this process.
 */
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { V1Hierarchy } from '../cgroups/types.js';
import { spawnShim } from '../native.js';
import { ShimError } from './errors.js';

/** LaunchOptions describe one container for `flotilla-shim create`. */
export type LaunchOptions = {
  id: string;
  bundle: string;
  stateDir: string;
  logPath?: string;
  cgroupDirs: string[];
  /** cgroupHierarchies are the host's v1 hierarchies, for the container's /sys/fs/cgroup; without them the shim reads the mount table. */
  cgroupHierarchies?: readonly V1Hierarchy[];
  /** start: exec at once instead of waiting on exec.fifo (what `run` does). */
  start?: boolean;
  timeoutMs?: number;
};

/** LaunchResult is the container's init pid (host view) and the pid of its shim. */
export type LaunchResult = { pid: number; shimPid: number };

/** shimArgs builds the command line of `flotilla-shim create` (pure, for tests and the README). */
export function shimArgs(o: LaunchOptions): string[] {
  const args = ['create', '--id', o.id, '--bundle', o.bundle, '--state-dir', o.stateDir, '--sync-fd', '3'];
  if (o.logPath) args.push('--log', o.logPath);
  for (const d of o.cgroupDirs) args.push('--cgroup', d);
  for (const h of o.cgroupHierarchies ?? []) args.push('--cgroup-hierarchy', `${h.controllers.join(',')}:${h.mountPoint}`);
  if (o.start) args.push('--start');
  return args;
}

/** parseSyncLine turns the shim's report into a result, or a ShimError carrying the shim's message. */
export function parseSyncLine(id: string, text: string): LaunchResult | ShimError {
  const line = text.split('\n')[0] ?? '';
  let msg: { pid?: unknown; shimPid?: unknown; error?: unknown; errno?: unknown };
  try {
    msg = JSON.parse(line) as typeof msg;
  } catch {
    return new ShimError('FLT_ERR_SHIM_LAUNCH', line === '' ? `shim for container ${id} exited without reporting` : `shim for container ${id} reported something unreadable: ${line.slice(0, 200)}`);
  }
  if (typeof msg.error === 'string') return new ShimError('FLT_ERR_SHIM_CREATE', msg.error, typeof msg.errno === 'number' ? msg.errno : undefined);
  if (typeof msg.pid === 'number' && typeof msg.shimPid === 'number') return { pid: msg.pid, shimPid: msg.shimPid };
  return new ShimError('FLT_ERR_SHIM_LAUNCH', `shim for container ${id} reported neither a pid nor an error: ${line.slice(0, 200)}`);
}

/** launchShim creates a container through the shim; rejects with the shim's message on failure. */
export function launchShim(o: LaunchOptions): Promise<LaunchResult> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  let fd: number;
  try {
    fd = spawnShim(shimArgs(o));
  } catch (e) {
    return Promise.reject(new ShimError('FLT_ERR_SHIM_LAUNCH', `start the shim for container ${o.id}: ${(e as Error).message}`));
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const chunks: Buffer[] = [];
    const sync = new Socket({ fd, readable: true, writable: false });
    const finish = (r: LaunchResult | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sync.destroy();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const timer = setTimeout(() => {
      // the detached shim is still setting up: stop it (its child dies with it before exec)
      try {
        const shimPid = Number(readFileSync(join(o.stateDir, 'shim.pid'), 'utf8'));
        if (shimPid > 0) process.kill(shimPid, 'SIGKILL');
      } catch {
        /* no pid file yet: nothing of ours to stop */
      }
      finish(new ShimError('FLT_ERR_SHIM_TIMEOUT', `shim for container ${o.id} did not report within ${timeoutMs} ms`));
    }, timeoutMs);
    sync.on('data', (d: Buffer) => {
      chunks.push(d);
      if (d.includes(10)) finish(parseSyncLine(o.id, Buffer.concat(chunks).toString('utf8')));
    });
    sync.on('error', (e) => finish(new ShimError('FLT_ERR_SHIM_LAUNCH', `read the sync pipe of container ${o.id}: ${e.message}`)));
    sync.on('close', () => finish(parseSyncLine(o.id, Buffer.concat(chunks).toString('utf8'))));
  });
}
