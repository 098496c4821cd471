/**
 * Finds the runtime the agent talks to: the one serving the socket already, or a `flotilla runtime`
 * the agent starts as a detached child (its own session, output to a log file), so that the runtime
 * and its containers outlive a restart of the agent.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeClient } from '../runtime/client.js';
import { AgentError } from './errors.js';

/** socketServed tells whether something accepts connections on a unix socket. */
export function socketServed(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const done = (v: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** RuntimeLaunchOptions say where the runtime listens and keeps its state. */
export interface RuntimeLaunchOptions {
  socketPath: string;
  /** The runtime's --root-dir (the agent passes <root>/runtime). */
  rootDir: string;
  cgroupParent?: string;
  /** Where the child's output goes (default <rootDir>/runtime.log). */
  logFile?: string;
  timeoutMs?: number;
  /** Extra environment for the child. */
  env?: NodeJS.ProcessEnv;
  /** Extra arguments for `flotilla runtime` (e.g. ['--bridge', 'flt-test']). */
  extraArgs?: string[];
}

/** RuntimeHandle is the connected client and, when the agent started it, the child's pid. */
export interface RuntimeHandle {
  client: RuntimeClient;
  /** Set when this call started the runtime (it keeps running after the agent exits). */
  startedPid?: number;
  logFile?: string;
}

/** flotillaBin is the path of bin/flotilla next to this build. */
export function flotillaBin(): string {
  return fileURLToPath(new URL('../../bin/flotilla', import.meta.url));
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** ensureRuntime connects to the runtime on the socket, starting `flotilla runtime` first when nothing serves it. */
export async function ensureRuntime(opts: RuntimeLaunchOptions): Promise<RuntimeHandle> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  if (await socketServed(opts.socketPath)) {
    return { client: await RuntimeClient.connect(opts.socketPath, timeoutMs) };
  }
  mkdirSync(opts.rootDir, { recursive: true });
  mkdirSync(path.dirname(opts.socketPath), { recursive: true });
  const logFile = opts.logFile ?? path.join(opts.rootDir, 'runtime.log');
  const fd = openSync(logFile, 'a');
  const args = [flotillaBin(), 'runtime', '--socket', opts.socketPath, '--root-dir', opts.rootDir];
  if (opts.cgroupParent) args.push('--cgroup-parent', opts.cgroupParent);
  args.push(...(opts.extraArgs ?? []));
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...opts.env } });
  closeSync(fd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`));
  child.once('error', (e) => (exited = e.message));
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new AgentError('FLT_ERR_AGENT_RUNTIME_START', `flotilla runtime exited (${exited}) before serving ${opts.socketPath}; its log ${logFile}:\n${tail(logFile)}`);
    }
    if (await socketServed(opts.socketPath, 500)) {
      const client = await RuntimeClient.connect(opts.socketPath, Math.max(1000, deadline - Date.now()));
      return { client, startedPid: child.pid, logFile };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new AgentError('FLT_ERR_AGENT_RUNTIME_START', `flotilla runtime (pid ${child.pid}) did not serve ${opts.socketPath} within ${timeoutMs} ms; its log ${logFile}:\n${tail(logFile)}`);
}
