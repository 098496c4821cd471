/**
 * bench:grpc — CPU per unary call of the runtime's gRPC transport, client and server apart: a
 * server child process answers stub methods (full CRI messages, no runtime) and this process
 * calls it as the agent starts pods (RunPodSandbox, CreateContainer, StartContainer,
 * PodSandboxStatus; 10 pods at a time). GRPC_BENCH_CLIENT and GRPC_BENCH_SERVER pick each end:
 * `ours` (grpc/) or `grpc-js`; GRPC_BENCH_SMALL=1 sends near-empty messages instead, to weigh the
 * transport alone. Prints calls per CPU-second of each process and one JSON line.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { GrpcUnaryServer } from '../grpc/unary-server.js';
import { RuntimeClient } from '../runtime/client.js';
import { messageType, runtimeProtoDefinition } from '../runtime/proto/load.js';
import { exemplar, type MessageDescriptor } from '../runtime/proto-exemplar.js';
import { runtimeMethods, type Impls } from '../runtime/service/server.js';

const PODS = Number(process.env.GRPC_BENCH_PODS ?? 2000);
const CONCURRENCY = 10;
const RPCS = ['RunPodSandbox', 'CreateContainer', 'StartContainer', 'PodSandboxStatus'];

/** grpc-js's view of runtime.proto, for its end of the comparison. */
const pkg = (grpc.loadPackageDefinition(runtimeProtoDefinition()) as unknown as {
  runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } };
}).runtime.v1;
const lookup = (name: string) => messageType(name)?.type as MessageDescriptor | undefined;
const SMALL = process.env.GRPC_BENCH_SMALL === '1';
const full = (type: string) => (SMALL ? {} : exemplar(lookup(type)!, lookup));

function stubImpls(): Impls {
  const status = full('PodSandboxStatusResponse');
  return {
    RunPodSandbox: () => ({ podSandboxId: 'a'.repeat(64) }),
    CreateContainer: () => ({ containerId: 'b'.repeat(64) }),
    StartContainer: () => ({}),
    PodSandboxStatus: () => status,
  };
}

async function serve(kind: string, socket: string): Promise<void> {
  if (kind === 'ours') {
    await new GrpcUnaryServer(runtimeMethods(stubImpls()), { maxReceiveBytes: 16 << 20 }).listen(socket);
  } else {
    const server = new grpc.Server();
    const impls = stubImpls();
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const [name, impl] of Object.entries(impls)) handlers[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, impl!(call.request));
    server.addService(pkg.RuntimeService.service, handlers);
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  }
  process.send!('ready');
}

type Call = (rpc: string, req: unknown) => Promise<unknown>;

function client(kind: string, socket: string): Call {
  if (kind === 'ours') {
    const c = new RuntimeClient(socket);
    const bound = c as unknown as Record<string, (r: unknown) => Promise<unknown>>;
    return (rpc, req) => bound[rpc[0]!.toLowerCase() + rpc.slice(1)]!.call(c, req);
  }
  const stub = new pkg.RuntimeService(`unix:${socket}`, grpc.credentials.createInsecure()) as unknown as Record<string, (...a: unknown[]) => void>;
  return (rpc, req) =>
    new Promise((resolve, reject) => {
      stub[rpc[0]!.toLowerCase() + rpc.slice(1)]!(req, new grpc.Metadata(), { deadline: Date.now() + 120_000 }, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)));
    });
}

function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return (f[11]! + f[12]!) / 100;
}

async function run(pods: number, call: Call, requests: Record<string, unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < pods) {
      next++;
      for (const rpc of RPCS) await call(rpc, requests[rpc]);
    }
  }));
}

async function main(): Promise<void> {
  const clientKind = process.env.GRPC_BENCH_CLIENT ?? 'ours';
  const serverKind = process.env.GRPC_BENCH_SERVER ?? 'ours';
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-grpc-bench-'));
  const socket = join(dir, 'rt.sock');
  const child = fork(fileURLToPath(import.meta.url), ['serve', serverKind, socket], { stdio: 'inherit' });
  try {
    await new Promise((resolve, reject) => child.once('message', resolve).once('exit', reject));
    const call = client(clientKind, socket);
    const requests = {
      RunPodSandbox: { config: full('PodSandboxConfig') },
      CreateContainer: { podSandboxId: 'a'.repeat(64), config: full('ContainerConfig'), sandboxConfig: full('PodSandboxConfig') },
      StartContainer: { containerId: 'b'.repeat(64) },
      PodSandboxStatus: { podSandboxId: 'a'.repeat(64) },
    };
    await run(200, call, requests); // warm-up: JIT, codecs, the connection
    const c0 = process.cpuUsage();
    const s0 = cpuOf(child.pid!);
    const t0 = performance.now();
    await run(PODS, call, requests);
    const wall = (performance.now() - t0) / 1000;
    const c1 = process.cpuUsage(c0);
    const clientCpu = (c1.user + c1.system) / 1e6;
    const serverCpu = cpuOf(child.pid!) - s0;
    const calls = PODS * RPCS.length;
    console.log(`grpc: client ${clientKind}, server ${serverKind}: ${calls} calls in ${wall.toFixed(2)} s`);
    console.log(`  client ${(clientCpu * 1e6 / calls).toFixed(0)} µs CPU per call (${(calls / clientCpu).toFixed(0)} calls per CPU-s), server ${(serverCpu * 1e6 / calls).toFixed(0)} µs (${(calls / serverCpu).toFixed(0)} per CPU-s; /proc, 10 ms ticks)`);
    console.log(JSON.stringify({ bench: 'grpc', client: clientKind, server: serverKind, small: SMALL, calls, client_us_per_call: Math.round(clientCpu * 1e6 / calls), server_us_per_call: Math.round(serverCpu * 1e6 / calls) }));
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

if (process.argv[2] === 'serve') void serve(process.argv[3]!, process.argv[4]!);
else void main();
