import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../../apiserver/server.js';
import { startEtcd, type TestEtcd } from './etcd.js';

/** ControlPlane is a real etcd plus a real HTTPS API server on a free loopback port, for one test file. */
export interface ControlPlane {
  url: string;
  token: string;
  caFile: string;
  caPem: string;
  dataDir: string;
  etcdEndpoints: string[];
  /** The server handle, for tests that need its internals (watch hub, storage). */
  server: ApiServer;
  stop(): Promise<void>;
}

/**
 * startControlPlane starts a real etcd and the API server in-process on 127.0.0.1 with a free
 * port, its data in a temp dir named "flotilla-cp-*". stop() closes both and removes the dirs;
 * call it in t.after / finally.
 */
export async function startControlPlane(opts: { logLevel?: string; bookmarkIntervalSeconds?: number } = {}): Promise<ControlPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-cp-'));
  let etcd: TestEtcd | undefined;
  try {
    etcd = await startEtcd();
    const server = await startApiServer({
      listen: '127.0.0.1:0', dataDir, etcdEndpoints: etcd.endpoints,
      logLevel: opts.logLevel ?? process.env.FLOTILLA_LOG_LEVEL ?? 'warn',
      ...(opts.bookmarkIntervalSeconds !== undefined ? { bookmarkIntervalSeconds: opts.bookmarkIntervalSeconds } : {}),
    });
    let stopped = false;
    const e = etcd;
    return {
      url: server.url, token: server.token, caFile: server.caFile, caPem: server.caPem, dataDir, etcdEndpoints: etcd.endpoints, server,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await server.close();
        } finally {
          await e.stop();
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await etcd?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
