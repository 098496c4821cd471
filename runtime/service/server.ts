/**
 * server.ts: serves a FlotillaRuntime over gRPC on a unix socket, with grpc/unary-server.ts (all
 * of the runtime's RPCs are unary). A socket file nobody answers on (left by a crash) is
 * removed; one that answers belongs to a running runtime, and we refuse to start rather than
 * steal it.
 */
import { mkdirSync, existsSync, rmSync, statSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { GrpcUnaryServer, type UnaryMethod } from '../../grpc/unary-server.js';
import { runtimeRpcs } from '../proto/load.js';
import { warmCodecs } from '../proto/warm-codecs.js';
import type { FlotillaRuntime } from './flotilla-runtime.js';
import { runtimeServiceHandlers, imageServiceHandlers, type ImageStoreLike } from './handlers.js';

/** MAX_RECEIVE_BYTES is the largest request taken (grpc-js's default is 4 MiB). */
const MAX_RECEIVE_BYTES = 16 * 1024 * 1024;

/** Impls answer RPCs of either service by name ("RunPodSandbox"); a thrown GrpcError is the call's status. */
export type Impls = Partial<Record<string, (req: unknown) => unknown>>;

/** runtimeMethods is the server's table: each RPC's path with its proto-loader codecs and the impl that answers it; RPCs without one are UNIMPLEMENTED. */
export function runtimeMethods(impls: Impls): Map<string, UnaryMethod> {
  const methods = new Map<string, UnaryMethod>();
  for (const [name, def] of runtimeRpcs()) {
    const handle = impls[name];
    if (handle) methods.set(def.path, { decode: def.requestDeserialize, encode: def.responseSerialize as UnaryMethod['encode'], handle });
  }
  return methods;
}

/** SocketInUseError: another process is serving on the socket path. */
export class SocketInUseError extends Error {
  readonly code = 'FLT_ERR_RUNTIME_SOCKET_IN_USE';
  constructor(path: string) {
    super(`another runtime is already serving on ${path}; stop it first or pick another --socket`);
    this.name = 'SocketInUseError';
  }
}

/** socketAnswers says whether something accepts connections on the unix socket at path. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    const done = (v: boolean): void => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** RunningServer is a started gRPC server; close() stops accepting and removes the socket file. */
export interface RunningServer {
  socketPath: string;
  close(): Promise<void>;
}

/** claimSocket refuses a socket another process serves and removes a stale one; call it before opening state. */
export async function claimSocket(socketPath: string): Promise<void> {
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o755 });
  if (existsSync(socketPath)) {
    if (!statSync(socketPath).isSocket()) throw new Error(`${socketPath} exists and is not a socket; refusing to replace it`);
    if (await socketAnswers(socketPath)) throw new SocketInUseError(socketPath);
    rmSync(socketPath, { force: true });
  }
}

/** serveRuntime serves the RuntimeService and ImageService on socketPath (claimed first). */
export async function serveRuntime(rt: FlotillaRuntime, images: ImageStoreLike, socketPath: string): Promise<RunningServer> {
  await claimSocket(socketPath);
  const impls = { ...runtimeServiceHandlers(rt), ...imageServiceHandlers(images, rt.ctx.root, rt.ctx.log) };
  const server = new GrpcUnaryServer(runtimeMethods(impls), { maxReceiveBytes: MAX_RECEIVE_BYTES, log: rt.ctx.log });
  // Before the first call, not during the first pods' (tens of ms of protobufjs code generation).
  warmCodecs('server');
  await server.listen(socketPath);
  chmodSync(socketPath, 0o660);
  return {
    socketPath,
    // Stop taking calls, let those under way finish (cut off after 5 s), then remove the socket file.
    close: async () => {
      await server.close();
      rmSync(socketPath, { force: true });
    },
  };
}
