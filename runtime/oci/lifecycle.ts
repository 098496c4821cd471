/**
 * OciRuntime: the container lifecycle the runtime service drives (create, start, state,
 * kill, wait, delete) in-process, with no CLI in the hot path. Each container is a
 * directory root/<id>/ holding state.json and the shim's files; containers outlive the
 * process that made them, and a new OciRuntime over the same root finds them again.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { createCgroupManager } from '../cgroups/detect.js';
import type { CgroupManager } from '../cgroups/types.js';
import { launchShim, pidAlive, readExit, startContainer, waitExit, type ExitInfo } from '../shim/index.js';
import { loadBundle } from './bundle.js';
import { OciError } from './errors.js';
import { OCI_VERSION, type OciSpec } from './oci-types.js';
import { cgroupResources } from './spec.js';
import {
  checkId, deriveStatus, pidIsOurs, procStartTime, readStateRecord, writeStateRecord,
  type ContainerState, type StateRecord,
} from './state.js';

export type { ContainerState } from './state.js';

/** DEFAULT_OCI_ROOT is where container state lives unless a root is given. */
export const DEFAULT_OCI_ROOT = '/run/flotilla/oci';

/** WaitResult is how a container ended, with the OOM verdict read from its cgroup. */
export type WaitResult = ExitInfo & { oomKilled: boolean };

/** LaunchOptions: the container's log file, and its config.json as the caller just wrote it (spares reading it back). */
export interface LaunchOptions {
  logPath?: string;
  config?: OciSpec;
}

/** OciRuntimeOptions configure one runtime: its state root and cgroup backend. */
export interface OciRuntimeOptions {
  root?: string;
  cgroups?: CgroupManager;
}

/** signalNumber turns "TERM", "SIGTERM", "15" or 15 into a signal number, or throws naming the input. */
export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number') {
    if (Number.isInteger(signal) && signal > 0 && signal < 65) return signal;
  } else if (/^\d+$/.test(signal)) {
    return signalNumber(Number(signal));
  } else {
    const name = (signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`) as keyof typeof osConstants.signals;
    const n = osConstants.signals[name];
    if (n !== undefined) return n;
  }
  throw new OciError('FLT_ERR_OCI_STATE', `unknown signal "${signal}"`);
}

const SIGKILL = 9;
const sleep1 = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** OciRuntime creates and controls containers from OCI bundles through the native shim. */
export class OciRuntime {
  readonly root: string;
  readonly cgroups: CgroupManager;
  private rootMade = false;
  /**
   * records caches each container's state.json, which only this runtime writes (launch) and
   * removes (delete), so state() need not read it on every status call. A miss reads the file,
   * so a new OciRuntime over the same root (a restart) finds every container.
   */
  private readonly records = new Map<string, StateRecord>();

  constructor(opts: OciRuntimeOptions = {}) {
    this.root = opts.root ?? DEFAULT_OCI_ROOT;
    this.cgroups = opts.cgroups ?? createCgroupManager();
  }

  /** dir is the state directory of a container. */
  dir(id: string): string {
    checkId(id);
    return join(this.root, id);
  }

  /** create sets up the container (cgroup, namespaces, mounts) with its process waiting for start. */
  async create(id: string, bundle: string, opts: LaunchOptions = {}): Promise<ContainerState> {
    return this.stateOf(this.dir(id), await this.launch(id, bundle, opts, false));
  }

  /** createOnly is create without reporting the new state, which costs reads of /proc and the state dir (the runtime service asks when it needs it). */
  async createOnly(id: string, bundle: string, opts: LaunchOptions = {}): Promise<void> {
    await this.launch(id, bundle, opts, false);
  }

  /** run creates and starts the container in one shim launch. */
  async run(id: string, bundle: string, opts: LaunchOptions = {}): Promise<ContainerState> {
    return this.stateOf(this.dir(id), await this.launch(id, bundle, opts, true));
  }

  private async launch(id: string, bundlePath: string, opts: LaunchOptions, start: boolean): Promise<StateRecord> {
    const dir = this.dir(id);
    const b = loadBundle(bundlePath, id, opts.config);
    if (!this.rootMade) {
      mkdirSync(this.root, { recursive: true, mode: 0o711 });
      this.rootMade = true;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirSync(dir, { mode: 0o711 });
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new OciError('FLT_ERR_OCI_EXISTS', `container "${id}" already exists (state in ${dir})`);
        // The root was removed behind our back: make it again, once.
        if (code === 'ENOENT' && attempt === 0) mkdirSync(this.root, { recursive: true, mode: 0o711 });
        else throw err;
      }
    }
    const rec: StateRecord = {
      ociVersion: OCI_VERSION,
      id,
      bundle: b.dir,
      rootfs: b.rootfs,
      created: new Date().toISOString(),
      cgroupsPath: b.cgroupsPath,
      annotations: b.config.annotations ?? {},
      pid: 0,
      pidStart: '',
      shimPid: 0,
      ...(opts.logPath ? { logPath: opts.logPath } : {}),
    };
    let cgroupMade = false;
    try {
      writeStateRecord(dir, rec);
      // A cgroup that already existed (shared on purpose) is not this container's to clean up on failure.
      cgroupMade = this.cgroups.create(b.cgroupsPath, cgroupResources(b.config.linux?.resources));
      const { pid, shimPid } = await launchShim({
        id,
        bundle: b.dir,
        stateDir: dir,
        ...(opts.logPath ? { logPath: opts.logPath } : {}),
        cgroupDirs: this.cgroups.dirs(b.cgroupsPath),
        cgroupHierarchies: this.cgroups.v1Hierarchies(),
        start,
      });
      rec.pid = pid;
      rec.shimPid = shimPid;
      rec.pidStart = procStartTime(pid) ?? '';
      writeStateRecord(dir, rec);
      this.records.set(id, rec);
    } catch (err) {
      if (cgroupMade) {
        this.cgroups.killAll(b.cgroupsPath);
        await this.cgroups.remove(b.cgroupsPath).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
      if (err instanceof OciError || (err as { code?: string }).code?.startsWith('FLT_ERR_CGROUP')) throw err;
      throw new OciError('FLT_ERR_OCI_LAUNCH', (err as Error).message, { cause: err });
    }
    return rec;
  }

  /** start lets a created container's process exec its command. */
  async start(id: string): Promise<void> {
    const st = this.state(id);
    if (st.status !== 'created') {
      throw new OciError('FLT_ERR_OCI_STATE', `cannot start container "${id}": it is ${st.status}, not created`);
    }
    try {
      await startContainer(this.dir(id));
    } catch (err) {
      throw new OciError('FLT_ERR_OCI_LAUNCH', (err as Error).message, { cause: err });
    }
  }

  /** state reports the container's status, derived from its files and the process table. */
  state(id: string): ContainerState {
    const dir = this.dir(id);
    const cached = this.records.has(id);
    const st = this.stateOf(dir, this.record(dir, id));
    // Stopped without an exit file may also mean the directory was removed behind our back: ask the disk.
    if (cached && st.status === 'stopped' && st.exitCode === LOST_EXIT_CODE) return this.stateOf(dir, this.record(dir, id, true));
    return st;
  }

  /** record returns the container's state.json, from the cache unless fresh is asked for. */
  private record(dir: string, id: string, fresh = false): StateRecord {
    const cached = fresh ? undefined : this.records.get(id);
    if (cached) return cached;
    try {
      const rec = readStateRecord(dir, id);
      // Only a launched container's record is final; one still being created is rewritten with its pids.
      if (rec.pid > 0) this.records.set(id, rec);
      return rec;
    } catch (err) {
      this.records.delete(id);
      throw err;
    }
  }

  private stateOf(dir: string, rec: StateRecord): ContainerState {
    const exit = readExitSafe(dir);
    const launched = rec.pid > 0;
    const pidAliveNow = launched && exit === undefined && pidIsOurs(rec.pid, rec.pidStart);
    const status = deriveStatus({
      launched,
      exitFile: exit !== undefined,
      pidAlive: pidAliveNow,
      shimAlive: launched && exit === undefined && !pidAliveNow && pidAlive(rec.shimPid),
      fifoPresent: pidAliveNow && existsSync(join(dir, 'exec.fifo')),
    });
    // A shim that died between our two reads may have written exit.json after all.
    const exitNow = status === 'stopped' && exit === undefined ? readExitSafe(dir) : exit;
    const st: ContainerState = {
      ociVersion: rec.ociVersion,
      id: rec.id,
      status,
      pid: status === 'stopped' ? 0 : rec.pid,
      bundle: rec.bundle,
      rootfs: rec.rootfs,
      created: rec.created,
      annotations: rec.annotations,
      cgroupsPath: rec.cgroupsPath,
      shimPid: rec.shimPid,
      ...(rec.logPath ? { logPath: rec.logPath } : {}),
    };
    if (status === 'stopped') {
      const e = exitNow ?? lostExit();
      st.exitCode = e.exitCode;
      st.signal = e.signal;
      if (e.startedAt) st.startedAt = e.startedAt;
      st.finishedAt = e.finishedAt;
      st.oomKilled = this.oomVerdict(rec, e);
    }
    return st;
  }

  private oomVerdict(rec: StateRecord, e: ExitInfo): boolean {
    // The counter says the kernel OOM-killed something in the cgroup; the exit says it was the
    // container's init (SIGKILL), or that init died of it (a shell's 137).
    if (e.signal !== SIGKILL && e.exitCode !== 128 + SIGKILL) return false;
    try {
      return this.cgroups.oomKilled(rec.cgroupsPath);
    } catch {
      return false;
    }
  }

  /** kill sends a signal (name or number) to the container's init process. */
  kill(id: string, signal: string | number = 'SIGTERM'): void {
    const sig = signalNumber(signal);
    const st = this.state(id);
    if (st.status !== 'created' && st.status !== 'running') {
      throw new OciError('FLT_ERR_OCI_STATE', `cannot signal container "${id}": it is ${st.status}`);
    }
    try {
      process.kill(st.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** wait resolves when the container has exited, with its exit status and OOM verdict. */
  async wait(id: string, timeoutMs?: number): Promise<WaitResult> {
    const dir = this.dir(id);
    const rec = this.record(dir, id);
    let exit = readExitSafe(dir);
    if (exit === undefined) {
      const st = this.stateOf(dir, rec);
      if (st.status === 'creating') throw new OciError('FLT_ERR_OCI_STATE', `container "${id}" is still being created`);
      // stopped here means exit.json appeared since the read above, or the shim died without one.
      if (st.status === 'stopped') exit = readExitSafe(dir) ?? lostExit();
      else exit = await this.waitExitOrShimLoss(dir, rec, timeoutMs);
    }
    return { ...exit, oomKilled: this.oomVerdict(rec, exit) };
  }

  private async waitExitOrShimLoss(dir: string, rec: StateRecord, timeoutMs: number | undefined): Promise<ExitInfo> {
    // The shim writes exit.json; if the shim itself is killed, no file will come, so its
    // liveness is checked now and then (not a hot path: only a lost shim ends this way).
    let timer: NodeJS.Timeout | undefined;
    const lost = new Promise<ExitInfo>((resolve) => {
      const check = (): void => {
        if (!pidAlive(rec.shimPid) && !pidIsOurs(rec.pid, rec.pidStart)) {
          resolve(readExitSafe(dir) ?? lostExit());
        } else timer = setTimeout(check, 250);
      };
      timer = setTimeout(check, 250);
    });
    try {
      return await Promise.race([waitExit(dir, timeoutMs), lost]);
    } catch (err) {
      if (timeoutMs !== undefined && readExitSafe(dir) === undefined) {
        throw new OciError('FLT_ERR_OCI_TIMEOUT', `timed out after ${timeoutMs} ms waiting for container "${rec.id}" to exit`, { cause: err });
      }
      const e = readExitSafe(dir);
      if (e) return e;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** delete removes a stopped or created container: its processes, shim, cgroup and state directory. */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const dir = this.dir(id);
    let rec: StateRecord;
    try {
      rec = this.record(dir, id, true);
    } catch (err) {
      // A directory without state.json is what a crash in the middle of create leaves.
      if (err instanceof OciError && err.code === 'FLT_ERR_OCI_NOT_FOUND' && existsSync(dir) && opts.force) {
        rmSync(dir, { recursive: true, force: true });
        return;
      }
      throw err;
    }
    const st = this.stateOf(dir, rec);
    if (st.status === 'running' && !opts.force) {
      throw new OciError('FLT_ERR_OCI_STATE', `cannot delete container "${id}": it is running (kill it first, or force)`);
    }
    if (st.status === 'running' || st.status === 'created') {
      try {
        process.kill(rec.pid, SIGKILL);
      } catch {
        // already gone
      }
      this.cgroups.killAll(rec.cgroupsPath);
      await waitExit(dir, 5000).catch(() => undefined);
    } else if (st.status === 'creating' && rec.shimPid > 0 && pidAlive(rec.shimPid)) {
      process.kill(rec.shimPid, SIGKILL);
    }
    await waitGone(rec.shimPid, 2000);
    // With a PID namespace the kernel ended every task when init exited, so the cgroup is
    // normally empty; tasks that outlived init (no PID namespace) are killed, then removal retried.
    try {
      await this.cgroups.remove(rec.cgroupsPath, 100);
    } catch {
      this.cgroups.killAll(rec.cgroupsPath);
      await this.cgroups.remove(rec.cgroupsPath);
    }
    removeStateDir(dir);
    this.records.delete(id);
  }

  /** list reports every container under the root (directories that are not containers are skipped). */
  list(): ContainerState[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: ContainerState[] = [];
    for (const id of names.sort()) {
      try {
        out.push(this.state(id));
      } catch {
        // not a container directory (or one being deleted right now)
      }
    }
    return out;
  }
}

/** STATE_DIR_FILES are what a state directory holds once its shim is gone. */
const STATE_DIR_FILES = ['exit.json', 'shim.pid', 'exec.fifo', 'state.json', 'container.log'];

/** removeStateDir unlinks the known files then the directory (a recursive rm costs several times more per container). */
function removeStateDir(dir: string): void {
  for (const f of STATE_DIR_FILES) {
    try {
      unlinkSync(join(dir, f));
    } catch {
      // absent
    }
  }
  try {
    rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    rmSync(dir, { recursive: true, force: true });
  }
}

function readExitSafe(dir: string): ExitInfo | undefined {
  try {
    return readExit(dir) ?? undefined;
  } catch {
    return undefined;
  }
}

/** LOST_EXIT_CODE is the exit code reported for an exit nobody recorded (a lost shim, a reboot). */
export const LOST_EXIT_CODE = 255;

/** lostExit stands for an exit nobody recorded: the shim died before its container did. */
function lostExit(): ExitInfo {
  return { exitCode: LOST_EXIT_CODE, signal: null, finishedAt: new Date().toISOString() };
}

/** waitGone waits for a process that is not our child to disappear (it is reaped by its own parent). */
async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  if (!(pid > 0)) return;
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; pidAlive(pid); i++) {
    if (Date.now() > deadline) {
      throw new OciError('FLT_ERR_OCI_TIMEOUT', `timed out after ${timeoutMs} ms waiting for shim ${pid} to exit`);
    }
    if (i < 50) await new Promise<void>((resolve) => setImmediate(resolve));
    else await sleep1();
  }
}
