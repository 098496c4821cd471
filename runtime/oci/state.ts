/**
 * A container's persisted state: root/<id>/state.json (written by the lifecycle) beside the
 * shim's own files (shim.pid, exec.fifo, exit.json). The status is never stored: it is
 * derived from those files and the process table, so any process reading the directory
 * later (a restarted runtime, `flotilla oci state`) sees the truth.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OciError } from './errors.js';
import type { OciState, OciStatus } from './oci-types.js';

/** STATE_FILE is the lifecycle's record inside a container's state directory. */
export const STATE_FILE = 'state.json';

/** StateRecord is what the lifecycle writes once per container: who it is and where its parts are. */
export interface StateRecord {
  ociVersion: string;
  id: string;
  bundle: string;
  rootfs: string;
  /** created is an RFC 3339 timestamp. */
  created: string;
  cgroupsPath: string;
  annotations: Record<string, string>;
  /** pid is the container's init in the host PID namespace; 0 while the shim is being launched. */
  pid: number;
  /** pidStart is field 22 of /proc/PID/stat, so a recycled pid is never taken for the container. */
  pidStart: string;
  shimPid: number;
  logPath?: string;
}

/** ContainerState is the OCI state plus what Flotilla knows about a stopped container. */
export interface ContainerState extends OciState {
  annotations: Record<string, string>;
  created: string;
  rootfs: string;
  cgroupsPath: string;
  shimPid: number;
  logPath?: string;
  exitCode?: number;
  /** signal is the number of the signal that ended the process, or null when it exited. */
  signal?: number | null;
  startedAt?: string;
  finishedAt?: string;
  oomKilled?: boolean;
}

/** StatusFacts are the observations a status is derived from. */
export interface StatusFacts {
  launched: boolean;
  exitFile: boolean;
  pidAlive: boolean;
  shimAlive: boolean;
  fifoPresent: boolean;
}

/**
 * deriveStatus: exit.json → stopped; not yet launched → creating; init alive → created while
 * exec.fifo waits, running once it is gone; init gone but its shim alive → still running (the
 * shim is writing exit.json); both gone without an exit file (the shim was killed) → stopped.
 */
export function deriveStatus(f: StatusFacts): OciStatus {
  if (f.exitFile) return 'stopped';
  if (!f.launched) return 'creating';
  if (f.pidAlive) return f.fifoPresent ? 'created' : 'running';
  return f.shimAlive ? 'running' : 'stopped';
}

/** readStateRecord reads root/<id>/state.json; a missing file means no such container. */
export function readStateRecord(dir: string, id: string): StateRecord {
  let text: string;
  try {
    text = readFileSync(join(dir, STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OciError('FLT_ERR_OCI_NOT_FOUND', `container "${id}" does not exist`);
    }
    throw err;
  }
  try {
    return JSON.parse(text) as StateRecord;
  } catch (err) {
    throw new OciError('FLT_ERR_OCI_STATE', `${join(dir, STATE_FILE)}: corrupt state (${(err as Error).message})`);
  }
}

/** writeStateRecord replaces state.json atomically (write a temp file, rename), so readers never see half. */
export function writeStateRecord(dir: string, rec: StateRecord): void {
  const tmp = join(dir, `${STATE_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(rec));
  renameSync(tmp, join(dir, STATE_FILE));
}

/** procStartTime reads the start time (in clock ticks since boot) of a pid, or undefined when it is gone. */
export function procStartTime(pid: number): string | undefined {
  if (!(pid > 0)) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** pidIsOurs says whether pid still names the process recorded with that start time (not a zombie). */
export function pidIsOurs(pid: number, pidStart: string): boolean {
  if (!(pid > 0)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[0] !== 'Z' && rest[0] !== 'X' && rest[19] === pidStart;
  } catch {
    return false;
  }
}

/** VALID_ID is what a container id may look like: it names a directory and a cgroup. */
export const VALID_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** checkId rejects ids that cannot safely name a directory. */
export function checkId(id: string): void {
  if (typeof id !== 'string' || !VALID_ID.test(id)) {
    throw new OciError('FLT_ERR_OCI_BAD_ID', `invalid container id "${String(id)}": use letters, digits, "_", "." and "-" (at most 128)`);
  }
}
