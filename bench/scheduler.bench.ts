/**
 * bench:scheduler — 1,000 simulated nodes (Node objects no agent serves) and 10,000 pods.
 *  (a) decisions per second of the algorithm over its snapshot, in process, no I/O: Filter + Score +
 *      select + assume for each pod, with Kubernetes' adaptive percentageOfNodesToScore (42% of 1,000
 *      nodes: 420 feasible nodes found and scored per decision), and for comparison every node;
 *  (b) pods bound per second end to end: the nodes and pods are created through the API first, then
 *      the scheduler starts and its own pod watch times the bindings until all are seen bound;
 *      beside it, in the same run, raw etcd3 transactions of the same shape (compare mod revision,
 *      put a pod-sized value) with the binder's concurrency.
 * Last line: {"bench":"scheduler","nodes":1000,"pods":10000,"decisions_per_s":…,"binds_per_s":…,"raw_txn_per_s":…,"ratio":…}
 * BENCH_SCHED_ONLY=decisions runs only (a); BENCH_SCHED_ONLY=binds only (b), with decisions_per_s null.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { ApiClient } from '../api/client.js';
import type { Node, Pod } from '../api/types.js';
import { startEtcdProcess } from '../apiserver/etcd-process.js';
import { startApiServer } from '../apiserver/server.js';
import { defaultConfig } from '../scheduler/config.js';
import { Framework, numFeasibleNodesToFind } from '../scheduler/framework/framework.js';
import { readyNode } from '../scheduler/node-info.js';
import { SchedulerCache } from '../scheduler/cache.js';
import { newPodInfo } from '../scheduler/pod-info.js';
import { startInformers } from '../scheduler/run.js';
import { Scheduler } from '../scheduler/scheduler.js';

const NODES = Number(process.env.BENCH_SCHED_NODES ?? 1000);
const PODS = Number(process.env.BENCH_SCHED_PODS ?? 10_000);
const CREATE_CONCURRENCY = 32;
const BIND_CONCURRENCY = Number(process.env.BENCH_SCHED_BIND_CONCURRENCY ?? defaultConfig().bindConcurrency);
const OWNERS = 100;

const round = (n: number, d = 0) => Math.round(n * 10 ** d) / 10 ** d;
const say = (msg: string) => console.log(`bench:scheduler: ${msg}`);

function benchNode(i: number): Node {
  const zone = `zone-${i % 4}`;
  return readyNode(`sim-node-${String(i).padStart(4, '0')}`, { cpu: '32', memory: '128Gi', pods: '110' }, { labels: { 'topology.kubernetes.io/zone': zone, 'kubernetes.io/os': 'linux' } });
}

/** benchPod is a ~1.5 KB pod of one of OWNERS ReplicaSets, like the API bench's pod. */
function benchPod(i: number): Pod {
  const owner = i % OWNERS;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `bench-${String(i).padStart(5, '0')}`,
      namespace: 'default',
      labels: { app: `app-${owner}`, tier: 'backend', release: 'stable', team: 'platform' },
      annotations: { 'flotilla.dev/description': 'a pod of the scheduler benchmark, sized like a typical small workload manifest' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `app-${owner}-5d8f7c`, uid: `00000000-0000-4000-8000-${String(owner).padStart(12, '0')}`, controller: true }],
    },
    spec: {
      containers: [{
        name: 'app',
        image: 'registry.example.com/team/app:1.2.3',
        command: ['/bin/app'],
        args: ['--listen=:8080', '--log-level=info', '--metrics=:9090'],
        env: Array.from({ length: 6 }, (_, k) => ({ name: `SETTING_${k}`, value: `value-number-${k}-for-the-benchmark` })),
        ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
      }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'bench', effect: 'NoSchedule' }],
    },
  };
}

// ------------------------------------------------------------------ (a) the algorithm alone

/** decisionsPerSecond runs the real path — cache snapshot, Framework.schedule, assume — for every pod. */
function decisionsPerSecond(percentage: number): { perS: number; cpuPerS: number; placed: number; perNodeMax: number } {
  const cache = new SchedulerCache();
  for (let i = 0; i < NODES; i++) cache.setNode(benchNode(i));
  const pods = Array.from({ length: PODS }, (_, i) => newPodInfo(benchPod(i)));
  const fw = new Framework({ percentageOfNodesToScore: percentage });
  let placed = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const p of pods) {
    const r = fw.schedule(p, cache.snapshot);
    if (r.kind === 'Scheduled' && cache.assumePod(p, r.nodeName)) placed++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const perNodeMax = Math.max(...cache.snapshot.nodes().map((n) => n.podCount));
  return { perS: PODS / s, cpuPerS: PODS / ((c.user + c.system) / 1e6), placed, perNodeMax };
}

// ------------------------------------------------------------------ (b) end to end

/** The API server runs in its own process, as it does for real clients; it reports where it listens over IPC. */
async function serverChild(): Promise<void> {
  const [dataDir, endpoints] = [process.env.FLOTILLA_BENCH_DATA_DIR!, process.env.FLOTILLA_BENCH_ETCD!.split(',')];
  const server = await startApiServer({ listen: '127.0.0.1:0', dataDir, etcdEndpoints: endpoints, logLevel: 'warn' });
  process.send!({ url: server.url, token: server.token, caPem: server.caPem });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
  // With BENCH_SCHED_PROFILE the parent asks for a CPU profile of the server during the bind phase.
  let stop: (() => Promise<void>) | undefined;
  process.on('message', (m: string) => {
    if (m === 'profile-start') void startProfile('.server').then((s) => (stop = s));
    if (m === 'profile-stop') void stop?.();
  });
}

/** cpuSeconds reads a process's user+system CPU time from /proc (Linux), or NaN. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

function startServerChild(dataDir: string, endpoints: string[]): Promise<{ url: string; token: string; caPem: string; pid: number; send(m: string): void; close(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, FLOTILLA_BENCH_CHILD: '1', FLOTILLA_BENCH_DATA_DIR: dataDir, FLOTILLA_BENCH_ETCD: endpoints.join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.disconnect();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void close();
      reject(new Error('timed out waiting 30 s for the API server child to listen'));
    }, 30_000);
    child.once('exit', (code) => reject(new Error(`the API server child exited (${code}) before listening`)));
    child.once('message', (m: { url: string; token: string; caPem: string }) => {
      clearTimeout(timer);
      resolve({ ...m, pid: child.pid ?? -1, send: (msg: string) => void child.send(msg), close });
    });
  });
}

/** startProfile records a CPU profile of the bind phase when BENCH_SCHED_PROFILE names a file; returns its stop. */
async function startProfile(suffix = ''): Promise<(() => Promise<void>) | undefined> {
  if (!process.env.BENCH_SCHED_PROFILE) return undefined;
  const file = process.env.BENCH_SCHED_PROFILE + suffix;
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((resolve, reject) => session.post(method, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const res = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(res.profile));
    session.disconnect();
    say(`CPU profile of the bind phase written to ${file}`);
  };
}

async function pool(total: number, concurrency: number, op: (i: number) => Promise<void>, progress?: (done: number) => void): Promise<number> {
  let next = 0;
  let done = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      await op(i);
      done++;
      progress?.(done);
    }
  }));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function endToEnd(): Promise<{ bindsPerS: number; rawPerS: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-sched-'));
  const etcdProc = await startEtcdProcess({ dataDir: join(dir, 'etcd'), logFile: join(dir, 'etcd.log'), unsafeNoFsync: true });
  let server: Awaited<ReturnType<typeof startServerChild>> | undefined;
  let client: ApiClient | undefined;
  let raw: Etcd3 | undefined;
  let stopScheduler: (() => Promise<void>) | undefined;
  try {
    server = await startServerChild(join(dir, 'server'), etcdProc.endpoints);
    client = new ApiClient({ server: server.url, token: server.token, ca: server.caPem, timeoutMs: 120_000 });
    const c = client;
    say(`etcd ${etcdProc.endpoints[0]} (--unsafe-no-fsync: the CPU path, not the disk), API server ${server.url} (its own process)`);

    const step = Math.max(1, Math.floor(PODS / 10));
    const tn = await pool(NODES, CREATE_CONCURRENCY, async (i) => void (await c.create<Node>('nodes', benchNode(i))));
    say(`created ${NODES} nodes in ${tn.toFixed(1)} s (${round(NODES / tn)}/s)`);

    // The scheduler's informers start now, while the cluster has no pods: the API server cannot yet
    // answer a list of 10,000 pods (its etcd client refuses replies over 4 MiB), so the pods reach
    // the scheduler's queue through the watch as they are created. Scheduling starts after.
    // Bindings are counted as the scheduler's own pod watch (its informer) delivers them: the time
    // until every binding is stored in etcd and seen through a watch, without a second watch
    // stream that would cost the API server a second fan-out per binding.
    let bound = 0;
    let lastBindAt = 0n;
    let allBound!: () => void;
    const allBoundP = new Promise<void>((r) => (allBound = r));
    const seen = new Set<string>();
    class CountingScheduler extends Scheduler {
      override onPod(pod: Readonly<Pod>): void {
        super.onPod(pod);
        const name = pod.metadata.name!;
        if (!pod.spec?.nodeName || seen.has(name)) return;
        seen.add(name);
        bound++;
        lastBindAt = process.hrtime.bigint();
        if (bound % step === 0) say(`  bound ${bound}/${PODS} (seen through the watch)`);
        if (bound === PODS) allBound();
      }
    }
    const scheduler = new CountingScheduler({ binder: c, events: c, config: { ...defaultConfig(), bindConcurrency: BIND_CONCURRENCY } });
    const informers = await startInformers(c, scheduler);
    stopScheduler = async () => {
      await scheduler.pause();
      informers.stop();
      scheduler.queue.close();
      scheduler.events.close();
      await scheduler.events.idle();
    };
    const tp = await pool(PODS, CREATE_CONCURRENCY, async (i) => void (await c.create<Pod>('pods', benchPod(i), 'default')), (done) => {
      if (done % step === 0) say(`  created ${done}/${PODS} pods`);
    });
    say(`created ${PODS} pods in ${tp.toFixed(1)} s (${round(PODS / tp)}/s), ${Buffer.byteLength(JSON.stringify(benchPod(0)))} bytes each`);
    const deadline = Date.now() + 60_000;
    while (scheduler.queue.lengths().active < PODS) {
      if (Date.now() > deadline) throw new Error(`the scheduler's queue holds ${scheduler.queue.lengths().active}/${PODS} pods after 60 s`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const profile = await startProfile();
    if (profile) server.send('profile-start');
    const serverCpu0 = cpuSeconds(server.pid);
    const etcdCpu0 = cpuSeconds(etcdProc.pid);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    scheduler.start();
    say(`scheduler started with ${PODS} pods queued; timing until its pod watch has seen every binding`);
    const timeout = setTimeout(() => allBound(), 300_000);
    await allBoundP;
    clearTimeout(timeout);
    if (bound < PODS) throw new Error(`only ${bound}/${PODS} pods bound within 300 s`);
    const bindS = Number(lastBindAt - t0) / 1e9;
    const bindsPerS = PODS / bindS;
    const cpu = process.cpuUsage(cpu0);
    if (profile) {
      await profile();
      server.send('profile-stop');
    }
    say(`CPU used in those ${bindS.toFixed(1)} s: this process (the scheduler) ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, ` +
      `the API server ${(cpuSeconds(server.pid) - serverCpu0).toFixed(1)} s, etcd ${(cpuSeconds(etcdProc.pid) - etcdCpu0).toFixed(1)} s`);
    const st = scheduler.stats;
    say(`bound ${PODS} pods in ${bindS.toFixed(2)} s: ${round(bindsPerS)} binds/s (${st.attempts} attempts, ${st.bindConflicts} conflicts, ${st.bindErrors} errors; ${BIND_CONCURRENCY} binds in flight)`);
    const events = scheduler.events;
    say(`events: ${events.written} written by then, ${events.queued} queued, ${events.dropped} dropped (one writer while binds are in flight)`);
    const te = process.hrtime.bigint();
    await events.idle();
    say(`the remaining Scheduled events were written in ${(Number(process.hrtime.bigint() - te) / 1e9).toFixed(1)} s (${events.written} in all), before the raw etcd run`);
    await stopScheduler();
    stopScheduler = undefined;

    // Raw etcd3: the same shape as a bind's write — compare the key's mod revision, put a pod-sized value.
    raw = new Etcd3({ hosts: etcdProc.endpoints });
    const r = raw;
    const value = JSON.stringify({ ...benchPod(0), spec: { ...benchPod(0).spec, nodeName: 'sim-node-0000' } });
    const revs: string[] = new Array(PODS);
    await pool(PODS, 64, async (i) => {
      const res = await r.put(`/bench-raw/pods/${i}`).value(value).exec();
      revs[i] = res.header.revision;
    });
    const rawS = await pool(PODS, BIND_CONCURRENCY, async (i) => {
      const key = `/bench-raw/pods/${i}`;
      const res = await r.if(key, 'Mod', '==', revs[i]!).then(r.put(key).value(value)).commit();
      if (!res.succeeded) throw new Error(`raw txn on ${key} did not succeed`);
    });
    const rawPerS = PODS / rawS;
    say(`raw etcd3 txns (compare mod revision + put ${Buffer.byteLength(value)} bytes), ${BIND_CONCURRENCY} in flight: ${round(rawPerS)} txn/s`);
    return { bindsPerS, rawPerS };
  } finally {
    await stopScheduler?.().catch(() => {});
    client?.close();
    raw?.close();
    await server?.close();
    await etcdProc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_SCHED_ONLY;
  let decisionsPerS: number | undefined;
  if (only !== 'binds') {
    const want = numFeasibleNodesToFind(NODES, 0);
    say(`(a) the algorithm over its snapshot: ${NODES} nodes, ${PODS} pods, adaptive percentageOfNodesToScore = ${want} of ${NODES} nodes filtered and scored per decision`);
    for (let i = 0; i < 2; i++) decisionsPerSecond(0); // warm-up: let the JIT settle
    const runs = Array.from({ length: 5 }, () => decisionsPerSecond(0));
    const sampled = runs.reduce((x, y) => (y.perS > x.perS ? y : x));
    say(`    ${round(sampled.perS)} decisions/s by the wall clock (best of ${runs.length} runs: ${runs.map((r) => round(r.perS)).join(', ')}); ` +
      `${round(sampled.cpuPerS)}/s by this process's CPU time (the machine is shared: load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs)`);
    say(`    placed ${sampled.placed}/${PODS}, fullest node ${sampled.perNodeMax} pods`);
    const full = decisionsPerSecond(100);
    say(`    ${round(full.perS)} decisions/s (${round(full.cpuPerS)}/s by CPU time) when every node is scored (percentageOfNodesToScore: 100), for comparison`);
    decisionsPerS = round(sampled.perS);
  }

  if (only === 'decisions') return;
  say(`(b) end to end through the API and etcd`);
  const e2e = await endToEnd();
  const ratio = e2e.bindsPerS / e2e.rawPerS;
  say(`binds / raw txns = ${ratio.toFixed(2)} (target >= 0.5); decisions/s target >= 20,000`);
  console.log(JSON.stringify({
    bench: 'scheduler', nodes: NODES, pods: PODS, decisions_per_s: decisionsPerS ?? null, binds_per_s: round(e2e.bindsPerS),
    raw_txn_per_s: round(e2e.rawPerS), ratio: round(ratio, 2),
  }));
}

(process.env.FLOTILLA_BENCH_CHILD ? serverChild() : main()).catch((err) => {
  console.error(`bench:scheduler: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
