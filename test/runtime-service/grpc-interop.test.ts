/**
 * Our gRPC ends against grpc-js's, both ways, and against each other, on a unix socket with stub
 * methods (no runtime): answers decode to the objects grpc-js would give, statuses and messages
 * round-trip, deadlines hold, large messages pass, a server gone is UNAVAILABLE and coming back
 * is reconnected to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { GrpcCode, GrpcError } from '../../grpc/status.js';
import { GrpcUnaryServer } from '../../grpc/unary-server.js';
import { RuntimeCallError, RuntimeClient } from '../../runtime/client.js';
import { messageType, runtimeProtoDefinition } from '../../runtime/proto/load.js';
import { exemplar, type MessageDescriptor } from '../../runtime/proto-exemplar.js';
import { toGrpcError } from '../../runtime/service/errors.js';
import { runtimeMethods, type Impls } from '../../runtime/service/server.js';

/** grpc-js's view of runtime.proto: the generated clients and service definitions crictl-style tools use. */
const pkg = (grpc.loadPackageDefinition(runtimeProtoDefinition()) as unknown as {
  runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } };
}).runtime.v1;
const lookup = (name: string) => messageType(name)?.type as MessageDescriptor | undefined;
const defs = new Map<string, grpc.MethodDefinition<unknown, unknown>>([...Object.entries(pkg.RuntimeService.service), ...Object.entries(pkg.ImageService.service)]);

/** roundTrip is what any correct pairing hands the caller for the answer `res` of `rpc`. */
function roundTrip(rpc: string, res: unknown): unknown {
  const d = defs.get(rpc)!;
  return d.responseDeserialize(d.responseSerialize(res));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX = 16 * 1024 * 1024;

interface Caller {
  call(rpc: string, req: unknown): Promise<unknown>;
  close(): void;
}
interface Serving {
  close(): Promise<void>;
}

/** ours: RuntimeClient, called through its public methods. */
function ourClient(socket: string, callTimeoutMs: number): Caller {
  const c = new RuntimeClient(socket, { callTimeoutMs });
  return {
    async call(rpc, req) {
      const method = rpc[0]!.toLowerCase() + rpc.slice(1);
      try {
        return await (c as unknown as Record<string, (r: unknown) => Promise<unknown>>)[method]!.call(c, req);
      } catch (err) {
        assert.ok(err instanceof RuntimeCallError, `expected RuntimeCallError, got ${String(err)}`);
        throw { code: err.code, details: err.message.slice(rpc.length + 2) };
      }
    },
    close: () => c.close(),
  };
}

/** grpc-js's generated client, as crictl-style tools would call us. */
function grpcJsClient(socket: string, callTimeoutMs: number): Caller {
  const opts = { 'grpc.max_receive_message_length': 64 * 1024 * 1024 };
  const stubs = [new pkg.RuntimeService(`unix:${socket}`, grpc.credentials.createInsecure(), opts), new pkg.ImageService(`unix:${socket}`, grpc.credentials.createInsecure(), opts)];
  return {
    call(rpc, req) {
      const method = rpc[0]!.toLowerCase() + rpc.slice(1);
      const stub = stubs.find((s) => method in s) as unknown as Record<string, (...a: unknown[]) => void>;
      return new Promise((resolve, reject) => {
        stub[method]!(req, new grpc.Metadata(), { deadline: Date.now() + callTimeoutMs }, (err: grpc.ServiceError | null, res: unknown) =>
          err ? reject({ code: err.code, details: err.details }) : resolve(res));
      });
    },
    close: () => stubs.forEach((s) => s.close()),
  };
}

async function ourServer(socket: string, impls: Impls): Promise<Serving> {
  const server = new GrpcUnaryServer(runtimeMethods(impls), { maxReceiveBytes: MAX, closeGraceMs: 200 });
  await server.listen(socket);
  return { close: () => server.close() };
}

async function grpcJsServer(socket: string, impls: Impls): Promise<Serving> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX });
  for (const service of [pkg.RuntimeService.service, pkg.ImageService.service]) {
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const name of Object.keys(service)) {
      const impl = impls[name];
      if (!impl) continue;
      handlers[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        Promise.resolve()
          .then(() => impl(call.request))
          .then((res) => cb(null, res), (err: unknown) => {
            const e = err instanceof GrpcError ? err : toGrpcError(err);
            cb({ code: e.code as number, details: e.details } as grpc.ServiceError);
          });
      };
    }
    server.addService(service, handlers);
  }
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        rmSync(socket, { force: true });
        resolve();
      }),
  };
}

const status = exemplar(lookup('PodSandboxStatusResponse')!, lookup);
const impls: Impls = {
  Version: (r) => ({ version: (r as { version: string }).version, runtimeName: 'stub', runtimeVersion: '1', runtimeApiVersion: 'v1' }),
  PodSandboxStatus: () => status,
  RunPodSandbox: (r) => ({ podSandboxId: `id-${(r as { config: { metadata: { name: string } } }).config.metadata.name}` }),
  ListContainers: (r) => ({ containers: [{ id: 'c', labels: (r as { filter: { labelSelector: Record<string, string> } }).filter?.labelSelector ?? {} }] }),
  StopContainer: async () => {
    await sleep(2000);
    return {};
  },
  StartContainer: (r) => {
    throw new GrpcError(GrpcCode.NOT_FOUND, `container "${(r as { containerId: string }).containerId}" not found: ü 100% \n next line`);
  },
  RemoveContainer: () => {
    throw new Error('boom');
  },
};

const pairings: [string, typeof ourClient, typeof ourServer][] = [
  ['our client, grpc-js server', ourClient, grpcJsServer],
  ['grpc-js client, our server', grpcJsClient, ourServer],
  ['our client, our server', ourClient, ourServer],
];

for (const [name, makeClient, makeServer] of pairings) {
  test(`${name}: answers, statuses, deadlines, large messages, server gone and back`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-grpc-'));
    const socket = join(dir, 'rt.sock');
    let server = await makeServer(socket, impls);
    const client = makeClient(socket, 300);
    t.after(async () => {
      client.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    assert.deepEqual(await client.call('Version', { version: 'v9' }), roundTrip('Version', { version: 'v9', runtimeName: 'stub', runtimeVersion: '1', runtimeApiVersion: 'v1' }));
    const got = await client.call('PodSandboxStatus', { podSandboxId: 'p' });
    assert.deepEqual(got, roundTrip('PodSandboxStatus', status), 'the same object grpc-js decodes');

    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => client.call('RunPodSandbox', { config: { metadata: { name: `n${i}` } } })));
    assert.deepEqual(ids.map((r) => (r as { podSandboxId: string }).podSandboxId), Array.from({ length: 100 }, (_, i) => `id-n${i}`), 'concurrent calls each get their own answer');

    await assert.rejects(client.call('StartContainer', { containerId: 'c1' }), { code: grpc.status.NOT_FOUND, details: 'container "c1" not found: ü 100% \n next line' });
    await assert.rejects(client.call('RemoveContainer', { containerId: 'c1' }), (err: { code: number; details: string }) => {
      assert.equal(err.code, grpc.status.INTERNAL);
      assert.match(err.details, /boom/);
      assert.doesNotMatch(err.details, /\bat /, 'no stack trace');
      return true;
    });
    await assert.rejects(client.call('ListImages', {}), { code: grpc.status.UNIMPLEMENTED });

    const t0 = Date.now();
    await assert.rejects(client.call('StopContainer', { containerId: 'c1' }), { code: grpc.status.DEADLINE_EXCEEDED });
    assert.ok(Date.now() - t0 < 1500, `the deadline of 300 ms held (took ${Date.now() - t0} ms)`);

    const big = 'z'.repeat(10 * 1024 * 1024);
    const list = (await client.call('ListContainers', { filter: { labelSelector: { big } } })) as { containers: { labels: Record<string, string> }[] };
    assert.equal(list.containers[0]!.labels.big!.length, big.length, 'a 10 MiB request and answer pass whole');
    await assert.rejects(client.call('ListContainers', { filter: { labelSelector: { big: big + big } } }), { code: grpc.status.RESOURCE_EXHAUSTED }, 'a request over the server limit');

    await server.close();
    rmSync(socket, { force: true });
    await assert.rejects(client.call('Version', {}), { code: grpc.status.UNAVAILABLE }, 'server gone');
    server = await makeServer(socket, impls);
    let back: unknown;
    for (let i = 0; i < 50 && !back; i++) back = await client.call('Version', { version: 'again' }).catch(() => sleep(100).then(() => undefined));
    assert.equal((back as { version: string } | undefined)?.version, 'again', 'the same client reaches the server once it is back');
  });
}

test('RuntimeClient.connect waits for a server that comes up late, and fails UNAVAILABLE when none does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-grpc-'));
  const socket = join(dir, 'rt.sock');
  let server: Serving | undefined;
  t.after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await assert.rejects(RuntimeClient.connect(socket, 300), (err: RuntimeCallError) => err instanceof RuntimeCallError && err.code === GrpcCode.UNAVAILABLE);
  setTimeout(() => void ourServer(socket, impls).then((s) => (server = s)), 300);
  const client = await RuntimeClient.connect(socket, 5000);
  try {
    assert.equal((await client.version({ version: 'late' })).version, 'late');
  } finally {
    client.close();
  }
});
