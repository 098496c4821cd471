import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcdProcess } from '../../apiserver/etcd-process.js';

/** TestEtcd is a real etcd for one test file: its endpoints, its temp dir, and stop(). */
export interface TestEtcd {
  endpoints: string[];
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * startEtcd runs a real etcd (/usr/bin/etcd) on free loopback ports in a fresh temp dir named
 * "flotilla-etcd-*", waits until it is healthy, and gives stop(), which kills it by PID and removes
 * the dir. Call stop in t.after / finally.
 */
export async function startEtcd(): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-etcd-'));
  try {
    const p = await startEtcdProcess({ dataDir: join(dir, 'data'), logFile: join(dir, 'etcd.log'), unsafeNoFsync: true });
    let stopped = false;
    return {
      endpoints: p.endpoints,
      dataDir: dir,
      pid: p.pid,
      async stop() {
        if (stopped) return;
        stopped = true;
        await p.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
