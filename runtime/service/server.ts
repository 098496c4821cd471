/**
 * server.ts: serves a FlotillaRuntime over gRPC on a unix socket. A socket file nobody answers
 * on (left by a crash) is removed; one that answers belongs to a running runtime, and we
 * refuse to start rather than steal it.
 */
import { mkdirSync, existsSync, rmSync, statSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadRuntimeProto } from '../proto/load.js';
import type { FlotillaRuntime } from './flotilla-runtime.js';
import { runtimeServiceHandlers, imageServiceHandlers, type ImageStoreLike } from './handlers.js';

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

/** serveRuntime binds the RuntimeService and ImageService on `unix:socketPath` (claimed first). */
export async function serveRuntime(rt: FlotillaRuntime, images: ImageStoreLike, socketPath: string): Promise<RunningServer> {
  await claimSocket(socketPath);
  const pkg = loadRuntimeProto();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  server.addService(pkg.RuntimeService.service, runtimeServiceHandlers(rt));
  server.addService(pkg.ImageService.service, imageServiceHandlers(images, rt.ctx.root, rt.ctx.log));
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
  });
  chmodSync(socketPath, 0o660);
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}
