/**
 * Fixtures for the OCI tests: a busybox-static rootfs, bundles made the way the issue says
 * (`runc spec`, then args changed), and runc/crun runs of them. Every directory is under
 * /tmp with "flotilla" in its name; callers remove them in t.after.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciSpec } from '../../runtime/oci/oci-types.js';

/** APPLETS are the busybox applets linked into every test rootfs. */
export const APPLETS = [
  'sh', 'cat', 'hostname', 'id', 'ls', 'grep', 'mount', 'sleep', 'true', 'false', 'env', 'pwd', 'echo', 'touch',
  'head', 'tail', 'dd', 'mknod', 'cut', 'sed', 'tr', 'sort', 'awk', 'wc', 'test', 'kill', 'ps', 'stat', 'readlink',
];

/** makeRootfs fills dir with /bin/busybox and its applet links plus the empty mount points. */
export function makeRootfs(dir: string): void {
  for (const d of ['bin', 'proc', 'dev', 'sys', 'tmp', 'etc', 'work']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  execFileSync('chmod', ['0755', join(dir, 'bin/busybox')]);
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

/** TestBundle is a bundle directory with its config.json, which `write` saves after changes. */
export interface TestBundle {
  dir: string;
  config: OciSpec;
  write(): void;
  cleanup(): void;
}

/** makeBundle creates /tmp/flotilla-<tag>-XXXX with a rootfs and the config.json of `runc spec`. */
export function makeBundle(tag: string): TestBundle {
  const dir = mkdtempSync(`/tmp/flotilla-${tag}-`);
  makeRootfs(join(dir, 'rootfs'));
  execFileSync('runc', ['spec', '--bundle', dir]);
  const configPath = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as OciSpec;
  config.process.terminal = false;
  const bundle: TestBundle = {
    dir,
    config,
    write: () => writeFileSync(configPath, JSON.stringify(bundle.config, null, 2)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  bundle.write();
  return bundle;
}

/** emptyBundleDir makes a bundle directory holding only a rootfs (for generated config.json files). */
export function emptyBundleDir(tag: string): string {
  const dir = mkdtempSync(`/tmp/flotilla-${tag}-`);
  makeRootfs(join(dir, 'rootfs'));
  return dir;
}

/** RunResult is what a reference runtime's foreground run produced. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function result(r: SpawnSyncReturns<string>): RunResult {
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** runcRun runs the bundle in the foreground under runc, which deletes the container when it exits. */
export function runcRun(bundleDir: string, id: string, timeoutMs = 20000): RunResult {
  return result(spawnSync('runc', ['run', '--bundle', bundleDir, id], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/**
 * CRUN_HYBRID_SHIM runs crun in a private mount namespace without /sys/fs/cgroup/unified:
 * crun 1.8 refuses a hybrid host whose cgroup2 mount still holds a controller (hugetlb here),
 * while it handles the pure v1 layout that remains. The host's mounts are not touched.
 */
export const CRUN_HYBRID_SHIM = 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"';

/** crunArgv is the argv that runs `crun ARGS...` on this host, through CRUN_HYBRID_SHIM on hybrid hosts. */
export function crunArgv(args: string[]): [string, string[]] {
  return ['unshare', ['-m', '--propagation', 'private', 'sh', '-c', CRUN_HYBRID_SHIM, 'crun', ...args]];
}

/** crunRun runs the bundle in the foreground under crun. */
export function crunRun(bundleDir: string, id: string, timeoutMs = 20000): RunResult {
  const [cmd, argv] = crunArgv(['run', '--bundle', bundleDir, id]);
  return result(spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** forceDeleteReference removes a runc or crun container left by a failed test (errors ignored). */
export function forceDeleteReference(id: string): void {
  spawnSync('runc', ['delete', '--force', id], { stdio: 'ignore' });
  const [cmd, argv] = crunArgv(['delete', '--force', id]);
  spawnSync(cmd, argv, { stdio: 'ignore' });
}

/** uniqueId returns a container id with "flotilla" in it, unique within this machine for the test run. */
export function uniqueId(tag: string): string {
  return `flotilla-${tag}-${process.pid}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** CAP_NUMBERS maps the capability names of Docker's default set to their bit numbers (linux/capability.h). */
export const CAP_NUMBERS: Record<string, number> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7,
  CAP_SETPCAP: 8, CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13, CAP_SYS_CHROOT: 18, CAP_MKNOD: 27,
  CAP_AUDIT_WRITE: 29, CAP_SETFCAP: 31, CAP_SYS_ADMIN: 21, CAP_NET_ADMIN: 12, CAP_SYS_PTRACE: 19,
};

/** capMask renders capability names as /proc/PID/status prints CapEff (16 hex digits). */
export function capMask(names: string[]): string {
  let mask = 0n;
  for (const n of names) {
    const bit = CAP_NUMBERS[n];
    if (bit === undefined) throw new Error(`capMask: no bit number for ${n}`);
    mask |= 1n << BigInt(bit);
  }
  return mask.toString(16).padStart(16, '0');
}

/** decodeCriLog splits a CRI-format log (`TIME STREAM F|P TEXT`) back into the two streams. */
export function decodeCriLog(text: string): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  for (const line of text.split('\n')) {
    const m = /^\S+ (stdout|stderr) ([FP]) (.*)$/s.exec(line);
    if (!m) continue;
    out[m[1] as 'stdout' | 'stderr'] += m[2] === 'F' ? `${m[3]}\n` : m[3];
  }
  return out;
}

/** OurRunResult is RunResult for Flotilla's runtime, with the OOM verdict. */
export interface OurRunResult extends RunResult {
  oomKilled: boolean;
}

/** ourRun runs the bundle through OciRuntime.run + wait + delete, like `runc run`, reading the CRI log. */
export async function ourRun(
  rt: { run(id: string, b: string, o: { logPath?: string }): Promise<unknown>; wait(id: string, t?: number): Promise<{ exitCode: number; oomKilled: boolean }>; delete(id: string, o: { force?: boolean }): Promise<void> },
  bundleDir: string,
  id: string,
  timeoutMs = 20000,
): Promise<OurRunResult> {
  const logPath = join(bundleDir, `${id}.log`);
  await rt.run(id, bundleDir, { logPath });
  try {
    const exit = await rt.wait(id, timeoutMs);
    const streams = decodeCriLog(readFileSync(logPath, 'utf8'));
    return { status: exit.exitCode, ...streams, oomKilled: exit.oomKilled };
  } finally {
    await rt.delete(id, { force: true });
    rmSync(logPath, { force: true });
  }
}

