/**
 * bundle.ts: test fixtures for the native layer: a busybox bundle (config.json from `runc spec`)
 * in a temp dir, and a tracker that kills every container and shim a test started and removes
 * its files, even when the test fails.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readShimPid } from '../../runtime/shim/index.js';

const APPLETS = ['sh', 'sleep', 'echo', 'cat', 'hostname', 'pwd', 'env', 'id', 'true', 'grep', 'touch', 'ls', 'wc', 'head', 'test'];

/** OciConfig is the part of config.json the tests change. */
export type OciConfig = {
  hostname?: string;
  root: { path: string; readonly?: boolean };
  process: { args: string[]; env: string[]; cwd: string; terminal?: boolean; capabilities?: Record<string, string[]> };
  linux: { namespaces: { type: string; path?: string }[]; maskedPaths?: string[]; readonlyPaths?: string[] };
  mounts: { destination: string; type?: string; source?: string; options?: string[] }[];
};

/** TestBundle is one temp dir holding a bundle, state dirs and logs. */
export class TestBundle {
  readonly dir: string;
  readonly bundle: string;
  config: OciConfig;
  private readonly pids: number[] = [];
  private readonly stateDirs: string[] = [];
  private n = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'flotilla-native-'));
    this.bundle = join(this.dir, 'bundle');
    const rootfs = join(this.bundle, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    mkdirSync(join(rootfs, 'tmp'));
    copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    execFileSync('chmod', ['0755', join(rootfs, 'bin', 'busybox')]);
    for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
    execFileSync('runc', ['spec', '--rootless=false'], { cwd: this.bundle, stdio: 'ignore' });
    this.config = JSON.parse(readFileSync(join(this.bundle, 'config.json'), 'utf8')) as OciConfig;
    this.config.process.terminal = false;
  }

  /** write saves config (after a test changed it) as the bundle's config.json. */
  write(args?: string[]): void {
    if (args) this.config.process.args = args;
    writeFileSync(join(this.bundle, 'config.json'), JSON.stringify(this.config, null, 2));
  }

  /** stateDir returns a fresh, not yet existing state dir path that cleanup will remove. */
  stateDir(): string {
    const d = join(this.dir, `state-${this.n++}`);
    this.stateDirs.push(d);
    return d;
  }

  /** track remembers a container init pid to SIGKILL at cleanup. */
  track(pid: number): void {
    this.pids.push(pid);
  }

  /** cleanup kills what is left of the containers and shims and removes the temp dir. */
  cleanup(): void {
    for (const pid of this.pids) killQuietly(pid);
    for (const d of this.stateDirs) {
      const shim = readShimPid(d);
      if (shim === undefined || !isShim(shim)) continue;
      for (const child of childrenOf(shim)) killQuietly(child); // a container the test never learned about
      killQuietly(shim);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** isShim tells whether pid is still a flotilla-shim (so cleanup never kills a recycled pid). */
export function isShim(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('flotilla-shim');
  } catch {
    return false;
  }
}

/** alive tells whether a process exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** vmRssKiB reads VmRSS of a process from /proc/PID/status. */
export function vmRssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}
