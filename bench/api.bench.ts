/**
 * bench:api — pod creates through the API server against raw etcd puts, in the same run, on the
 * same etcd: 2,000 creates of a ~1.5 KB pod from 16 concurrent HTTPS keep-alive clients (p50, p99,
 * throughput), then 2,000 etcd3 puts of the same size with the same concurrency. The last line is
 * {"bench":"api","p50_ms":…,"p99_ms":…,"ops_per_s":…,"raw_ops_per_s":…,"ratio":…}.
 * BENCH_API_PROTOCOL=h2 sends the creates as 16 concurrent streams of one HTTP/2 connection (what
 * ApiClient does) instead of over 16 HTTP/1.1 connections.
 */
import { Agent, request } from 'node:https';
import { connect, type ClientHttp2Session } from 'node:http2';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { startEtcdProcess } from '../apiserver/etcd-process.js';
import { startApiServer } from '../apiserver/server.js';

const TOTAL = Number(process.env.BENCH_API_TOTAL ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_API_CONCURRENCY ?? 16);
const WARMUP = Number(process.env.BENCH_API_WARMUP ?? 1000);
const H2 = process.env.BENCH_API_PROTOCOL === 'h2';

function podBody(name: string): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { app: 'bench', tier: 'backend', release: 'stable', team: 'platform' },
      annotations: { 'flotilla.dev/description': 'a pod of the API benchmark, sized like a typical small workload manifest' },
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/team/app:1.2.3',
          command: ['/bin/app'],
          args: ['--listen=:8080', '--log-level=info', '--metrics=:9090'],
          env: Array.from({ length: 8 }, (_, i) => ({ name: `SETTING_${i}`, value: `value-number-${i}-for-the-benchmark` })),
          ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 10 },
        },
      ],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'bench', effect: 'NoSchedule' }],
    },
  };
  return JSON.stringify(pod);
}

/** cpuMs reads a process's user+system CPU time from /proc, in milliseconds (0 when unreadable). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)]!;
}

function post(agent: Agent, url: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function postH2(session: ClientHttp2Session, path: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    let status = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.resume();
    stream.on('end', () => resolve(status));
    stream.on('error', reject);
    stream.end(body);
  });
}

async function runPool(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = process.hrtime.bigint();
        await op(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** The server runs in its own process, as it does for real clients; it reports where it listens over IPC. */
async function serverChild(): Promise<void> {
  const [dataDir, endpoints] = [process.env.FLOTILLA_BENCH_DATA_DIR!, process.env.FLOTILLA_BENCH_ETCD!.split(',')];
  const server = await startApiServer({ listen: '127.0.0.1:0', dataDir, etcdEndpoints: endpoints, logLevel: 'warn' });
  process.send!({ url: server.url, token: server.token, caPem: server.caPem, pid: process.pid });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

function startServerChild(dataDir: string, endpoints: string[]): Promise<{ url: string; token: string; caPem: string; pid: number; close(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, FLOTILLA_BENCH_CHILD: '1', FLOTILLA_BENCH_DATA_DIR: dataDir, FLOTILLA_BENCH_ETCD: endpoints.join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: process.env.FLOTILLA_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FLOTILLA_BENCH_PROF}`] : [],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting 30 s for the API server child to listen')), 30000);
    child.once('exit', (code) => reject(new Error(`the API server child exited (${code}) before listening`)));
    child.once('message', (m: { url: string; token: string; caPem: string; pid: number }) => {
      clearTimeout(timer);
      resolve({ ...m, close: async () => { child.disconnect(); const t = setTimeout(() => child.kill('SIGKILL'), 5000); await exited; clearTimeout(t); } });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-api-'));
  const etcdProc = await startEtcdProcess({ dataDir: join(dir, 'etcd'), logFile: join(dir, 'etcd.log'), unsafeNoFsync: true });
  const server = await startServerChild(join(dir, 'server'), etcdProc.endpoints).catch(async (err) => {
    await etcdProc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const raw = new Etcd3({ hosts: etcdProc.endpoints });
  const agent = new Agent({ ca: server.caPem, keepAlive: true, maxSockets: CONCURRENCY });
  const session = H2 ? connect(server.url, { ca: server.caPem }) : undefined;
  session?.on('error', () => undefined);
  const path = '/api/v1/namespaces/default/pods';
  const create = (body: string): Promise<number> => (session ? postH2(session, path, server.token, body) : post(agent, server.url + path, server.token, body));
  try {
    const size = Buffer.byteLength(podBody('bench-00000'));
    console.log(`bench:api: etcd ${etcdProc.endpoints[0]} (--unsafe-no-fsync: measures CPU cost, not the disk), server ${server.url} (its own process)`);
    console.log(`bench:api: ${TOTAL} pod creates of ${size} bytes from ${CONCURRENCY} concurrent ${H2 ? 'streams of one HTTP/2 connection' : 'keep-alive HTTPS/1.1 clients'}`);
    await runPool(WARMUP, CONCURRENCY, async (i) => {
      const code = await create(podBody(`warm-${i}`));
      if (code !== 201) throw new Error(`warm-up create answered ${code}`);
    });
    const value = podBody('raw-00000');
    await runPool(WARMUP, CONCURRENCY, async (i) => void (await raw.put(`/bench-raw/warm/${i}`).value(value)));
    // The two measurements alternate in rounds, so a change in the machine's load hits both alike.
    const ROUNDS = 4;
    const apiLat: number[] = [];
    const rawLat: number[] = [];
    let apiSeconds = 0;
    let rawSeconds = 0;
    const cpu = { server: 0, etcd: 0, client: 0, rawEtcd: 0, rawClient: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const n = Math.floor(TOTAL / ROUNDS) + (round < TOTAL % ROUNDS ? 1 : 0);
      const base = apiLat.length;
      const c0 = { server: cpuMs(server.pid), etcd: cpuMs(etcdProc.pid), client: cpuMs(process.pid) };
      const a = await runPool(n, CONCURRENCY, async (i) => {
        const code = await create(podBody(`bench-${String(base + i).padStart(5, '0')}`));
        if (code !== 201) throw new Error(`create answered ${code}`);
      });
      cpu.server += cpuMs(server.pid) - c0.server;
      cpu.etcd += cpuMs(etcdProc.pid) - c0.etcd;
      cpu.client += cpuMs(process.pid) - c0.client;
      apiLat.push(...a.latencies);
      apiSeconds += a.seconds;
      const r0 = { etcd: cpuMs(etcdProc.pid), client: cpuMs(process.pid) };
      const rr = await runPool(n, CONCURRENCY, async (i) => void (await raw.put(`/bench-raw/pods/${String(base + i).padStart(5, '0')}`).value(value)));
      cpu.rawEtcd += cpuMs(etcdProc.pid) - r0.etcd;
      cpu.rawClient += cpuMs(process.pid) - r0.client;
      rawLat.push(...rr.latencies);
      rawSeconds += rr.seconds;
    }
    apiLat.sort((x, y) => x - y);
    rawLat.sort((x, y) => x - y);
    const p50 = percentile(apiLat, 50);
    const p99 = percentile(apiLat, 99);
    const ops = TOTAL / apiSeconds;
    const rawOps = TOTAL / rawSeconds;
    const per = (v: number) => (v / TOTAL).toFixed(3);
    console.log(`bench:api: API creates: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ${ops.toFixed(0)} ops/s (${apiSeconds.toFixed(2)} s in ${ROUNDS} rounds)`);
    console.log(`bench:api: CPU per create: server ${per(cpu.server)} ms, etcd ${per(cpu.etcd)} ms, clients ${per(cpu.client)} ms`);
    console.log(`bench:api: raw etcd3 puts: p50 ${percentile(rawLat, 50).toFixed(2)} ms, p99 ${percentile(rawLat, 99).toFixed(2)} ms, ${rawOps.toFixed(0)} ops/s`);
    console.log(`bench:api: CPU per raw put: etcd ${per(cpu.rawEtcd)} ms, client ${per(cpu.rawClient)} ms`);
    const ratio = ops / rawOps;
    console.log(`bench:api: ours / raw = ${ratio.toFixed(2)} (target >= 0.5), p99 target <= 50 ms`);
    const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
    console.log(JSON.stringify({ bench: 'api', protocol: H2 ? 'h2' : 'h1', cpu_server_ms: round(cpu.server / TOTAL, 3), cpu_client_ms: round(cpu.client / TOTAL, 3), p50_ms: round(p50), p99_ms: round(p99), ops_per_s: round(ops, 0), raw_ops_per_s: round(rawOps, 0), ratio: round(ratio) }));
  } finally {
    agent.destroy();
    session?.destroy();
    raw.close();
    await server.close();
    await etcdProc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

(process.env.FLOTILLA_BENCH_CHILD ? serverChild() : main()).catch((err) => {
  console.error(`bench:api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
