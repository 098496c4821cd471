/**
 * A supervised etcd child process (Debian's etcd-server, /usr/bin/etcd) on free loopback ports,
 * for `flotilla server` without --etcd-endpoints and for tests. It waits until etcd reports
 * healthy, and stops it by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** ETCD_BINARY is where Debian's etcd-server package installs etcd. */
export const ETCD_BINARY = process.env.FLOTILLA_ETCD_BINARY ?? '/usr/bin/etcd';

/** EtcdProcess is a running etcd child: its client endpoints and a way to stop it. */
export interface EtcdProcess {
  endpoints: string[];
  pid: number;
  /** exited resolves when the child ends (for any reason) with its exit code or signal. */
  exited: Promise<string>;
  stop(): Promise<void>;
  clientPort: number;
  peerPort: number;
}

/** EtcdProcessOptions: where etcd keeps its data, and where its log goes. */
export interface EtcdProcessOptions {
  dataDir: string;
  /** File that receives etcd's stdout and stderr; default <dataDir>/../etcd.log next to the data. */
  logFile?: string;
  /** How long to wait for health, default 20 s. */
  timeoutMs?: number;
  /** Skip fsync (tests and benchmarks only). */
  unsafeNoFsync?: boolean;
  /** Fixed ports (a restart after a crash keeps the endpoints clients already hold); free ones when absent. */
  clientPort?: number;
  peerPort?: number;
}

/** freePort asks the kernel for a free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, deadline: number, logFile: string): Promise<void> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before it became healthy; see ${logFile}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
      last = JSON.stringify(body);
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for etcd at ${url} to become healthy (last: ${last}); see ${logFile}`);
}

async function spawnOnce(opts: EtcdProcessOptions): Promise<EtcdProcess> {
  const clientPort = opts.clientPort ?? (await freePort());
  let peerPort = opts.peerPort ?? (await freePort());
  while (peerPort === clientPort) peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const logFile = opts.logFile ?? join(opts.dataDir, '..', 'etcd.log');
  const fd = openSync(logFile, 'a');
  const args = [
    '--name', 'flotilla',
    '--data-dir', opts.dataDir,
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `flotilla=${peer}`,
    '--initial-cluster-state', 'new',
    '--snapshot-count', '10000',
    '--quota-backend-bytes', String(4 * 1024 * 1024 * 1024),
  ];
  if (opts.unsafeNoFsync) args.push('--unsafe-no-fsync');
  const child = spawn(ETCD_BINARY, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '' } });
  closeSync(fd);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, sig) => resolve(sig ?? String(code))));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitHealthy(client, child, Date.now() + (opts.timeoutMs ?? 20000), logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoints: [client], pid: child.pid!, exited, stop, clientPort, peerPort };
}

/** startEtcdProcess starts etcd with data under opts.dataDir and resolves once it is healthy (retrying if a port was taken). */
export async function startEtcdProcess(opts: EtcdProcessOptions): Promise<EtcdProcess> {
  if (!existsSync(ETCD_BINARY)) {
    throw new Error(`etcd is not installed at ${ETCD_BINARY}: install Debian's etcd-server (apt-get install etcd-server) or pass --etcd-endpoints`);
  }
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await spawnOnce(opts);
    } catch (err) {
      lastErr = err;
      if (!(err instanceof Error) || !/exited/.test(err.message) || opts.clientPort !== undefined) break;
    }
  }
  throw lastErr;
}

/** SupervisedEtcd is an etcd that is restarted on the same ports when it dies unexpectedly. */
export interface SupervisedEtcd {
  endpoints: string[];
  /** The PID of the current child. */
  pid(): number;
  stop(): Promise<void>;
}

/** superviseEtcd starts etcd and restarts it (same ports, same data) when it exits without stop(); onEvent reports restarts. */
export async function superviseEtcd(opts: EtcdProcessOptions, onEvent: (msg: string) => void = () => {}): Promise<SupervisedEtcd> {
  let current = await startEtcdProcess(opts);
  let stopping = false;
  let restarts = 0;
  const watch = (p: EtcdProcess): void => {
    void p.exited.then(async (why) => {
      if (stopping) return;
      restarts++;
      onEvent(`etcd (pid ${p.pid}) exited (${why}); restarting it (restart ${restarts})`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(restarts, 5))));
      if (stopping) return;
      try {
        current = await startEtcdProcess({ ...opts, clientPort: p.clientPort, peerPort: p.peerPort });
        watch(current);
      } catch (err) {
        onEvent(`etcd restart failed: ${err instanceof Error ? err.message : String(err)}`);
        watch(p);
      }
    });
  };
  watch(current);
  return {
    endpoints: current.endpoints,
    pid: () => current.pid,
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}
