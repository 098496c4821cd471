/**
 * exec.ts: execInContainer runs a command inside a running container through
 * `flotilla-shim exec` (its namespaces, cgroup, identity and capabilities) and collects its
 * output: what CRI ExecSync and exec probes need.
 */
import { spawn } from 'node:child_process';
import { SHIM_PATH } from '../native.js';
import { ShimError } from './errors.js';

/** ExecOptions name the container by its init pid, plus the command and its surroundings. */
export type ExecOptions = {
  pid: number;
  cmd: string[];
  env?: string[];
  cwd?: string;
  cgroupDirs?: string[];
  timeoutMs?: number;
};

/** ExecResult is the command's exit code (128+signal when killed) and its whole output. */
export type ExecResult = { exitCode: number; stdout: Buffer; stderr: Buffer };

/** EXEC_SHIM_FAILED is the exit status of `flotilla-shim exec` when it could not run the command at all. */
export const EXEC_SHIM_FAILED = 125;

/** execArgs builds the command line of `flotilla-shim exec` (pure). */
export function execArgs(o: ExecOptions): string[] {
  const args = ['exec', '--pid', String(o.pid)];
  if (o.cwd) args.push('--cwd', o.cwd);
  for (const e of o.env ?? []) args.push('--env', e);
  for (const d of o.cgroupDirs ?? []) args.push('--cgroup', d);
  args.push('--tty', 'no', '--', ...o.cmd);
  return args;
}

/** execInContainer runs o.cmd in the container of o.pid; rejects when it cannot enter or times out. */
export function execInContainer(o: ExecOptions): Promise<ExecResult> {
  if (o.cmd.length === 0) return Promise.reject(new ShimError('FLT_ERR_SHIM_EXEC', 'exec: no command given'));
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const child = spawn(SHIM_PATH, execArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer =
      o.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL'); // the command dies with it (parent-death signal)
          }, o.timeoutMs)
        : undefined;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new ShimError('FLT_ERR_SHIM_EXEC', `run ${SHIM_PATH}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err);
      if (timedOut) {
        reject(new ShimError('FLT_ERR_SHIM_TIMEOUT', `exec ${JSON.stringify(o.cmd)} in container pid ${o.pid}: timed out after ${o.timeoutMs} ms`));
        return;
      }
      if (code === EXEC_SHIM_FAILED || signal !== null) {
        const msg = stderr.toString('utf8').trim() || `flotilla-shim exec ended by ${signal ?? `exit ${code}`}`;
        reject(new ShimError('FLT_ERR_SHIM_EXEC', msg.replace(/^flotilla-shim exec: /, `exec in container pid ${o.pid}: `)));
        return;
      }
      resolve({ exitCode: code ?? 255, stdout: Buffer.concat(out), stderr });
    });
  });
}
