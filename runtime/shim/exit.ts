/**
 * exit.ts: the shim's state files: exit.json (written atomically when the container exits)
 * and shim.pid. waitExit watches the state directory instead of polling.
 */
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { ShimError } from './errors.js';

/** ExitInfo is <state-dir>/exit.json: exitCode is 128+signal when a signal killed the container. */
export type ExitInfo = { exitCode: number; signal: number | null; startedAt?: string; finishedAt: string };

/** readExit returns the container's exit record, or undefined while it runs. */
export function readExit(stateDir: string): ExitInfo | undefined {
  const path = join(stateDir, 'exit.json');
  // Asked on every status call of a running container: a miss costs an access(2), not a thrown ENOENT.
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ShimError('FLT_ERR_SHIM_STATE', `read ${join(stateDir, 'exit.json')}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as ExitInfo;
    if (typeof v.exitCode !== 'number' || typeof v.finishedAt !== 'string') throw new Error('missing exitCode or finishedAt');
    return v;
  } catch (e) {
    throw new ShimError('FLT_ERR_SHIM_STATE', `${join(stateDir, 'exit.json')}: ${(e as Error).message}`);
  }
}

/** readShimPid returns the pid in <state-dir>/shim.pid, or undefined when there is none. */
export function readShimPid(stateDir: string): number | undefined {
  try {
    const n = Number(readFileSync(join(stateDir, 'shim.pid'), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** pidAlive says whether pid is a live (not zombie) process. */
export function pidAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat[stat.lastIndexOf(')') + 2];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** waitExit resolves with exit.json once the shim writes it (fs.watch plus one check, no polling). */
export function waitExit(stateDir: string, timeoutMs?: number): Promise<ExitInfo> {
  const id = basename(stateDir);
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (r: ExitInfo | Error): void => {
      if (settled) return;
      settled = true;
      watcher?.close();
      if (timer) clearTimeout(timer);
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const check = (): void => {
      try {
        const e = readExit(stateDir);
        if (e) finish(e);
      } catch (err) {
        finish(err as Error);
      }
    };
    try {
      watcher = watch(stateDir, { persistent: true }, (_event, name) => {
        if (name === null || name === 'exit.json') check();
      });
      watcher.on('error', (e) => finish(new ShimError('FLT_ERR_SHIM_STATE', `watch ${stateDir}: ${e.message}`)));
    } catch (e) {
      finish(new ShimError('FLT_ERR_SHIM_STATE', `watch ${stateDir}: ${(e as Error).message}`));
      return;
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        check();
        const shim = readShimPid(stateDir);
        const why = shim === undefined || pidAlive(shim) ? '' : ` (its shim ${shim} is gone, so no exit record will come)`;
        finish(new ShimError('FLT_ERR_SHIM_TIMEOUT', `container ${id} did not exit within ${timeoutMs} ms${why}`));
      }, timeoutMs);
    }
    check();
  });
}
