/**
 * client.ts: the gRPC client of the runtime service, the one module of runtime/ the agent
 * imports. One async method per RPC, named as the RPC in camelCase, taking the CRI request
 * object and resolving to the CRI response object (camelCase fields, int64 as number, enums as
 * names; see runtime/proto/load.ts and runtime/proto/types.ts). A failed call rejects with a
 * RuntimeCallError carrying the gRPC status code (NOT_FOUND, INVALID_ARGUMENT, ...).
 *
 * Calls are plain gRPC over one HTTP/2 session on the socket (grpc/client-session.ts), not
 * grpc-js's channel, whose per-call layers cost the agent ~1 ms of CPU a call; messages are
 * encoded and decoded by the same proto-loader functions grpc-js would use, so callers see
 * identical objects.
 */
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { GrpcClientSession, SESSION_OPTIONS } from '../grpc/client-session.js';
import { frameMessage } from '../grpc/framing.js';
import { GrpcCode, GrpcError } from '../grpc/status.js';
import { runtimeRpcs } from './proto/load.js';
import { warmCodecs } from './proto/warm-codecs.js';
import type * as T from './proto/types.js';
import { DEFAULT_RUNTIME_SOCKET } from './socket.js';

export type * from './proto/types.js';

/** GrpcStatus re-exports gRPC's status codes (grpc/status.ts) so callers can test `err.code === GrpcStatus.NOT_FOUND`. */
export const GrpcStatus = GrpcCode;

export { DEFAULT_RUNTIME_SOCKET };

/** RuntimeCallError is a failed RPC: `code` is the gRPC status, `rpc` the method, message the server's. */
export class RuntimeCallError extends Error {
  readonly code: GrpcCode;
  readonly rpc: string;
  constructor(rpc: string, code: GrpcCode, details: string, options?: { cause?: unknown }) {
    super(`${rpc}: ${details || GrpcCode[code]}`, options);
    this.name = 'RuntimeCallError';
    this.code = code;
    this.rpc = rpc;
  }
  /** codeName is the status as a word, e.g. "NOT_FOUND". */
  get codeName(): string {
    return GrpcCode[this.code] ?? String(this.code);
  }
}

/** RuntimeClientOptions tune the deadlines: callTimeoutMs for every RPC, pullTimeoutMs for PullImage. */
export interface RuntimeClientOptions {
  callTimeoutMs?: number;
  pullTimeoutMs?: number;
}

/** The largest answer taken (a big ListContainers or ExecSync output). */
const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;
const RETRY_CONNECT_MS = 100;


/** RuntimeClient talks to `flotilla runtime` over its unix socket (RuntimeService and ImageService). */
export class RuntimeClient {
  readonly socketPath: string;
  private readonly calls: GrpcClientSession;
  private readonly methods = new Map(runtimeRpcs());
  private readonly callTimeoutMs: number;
  private readonly pullTimeoutMs: number;

  constructor(socketPath: string = DEFAULT_RUNTIME_SOCKET, options: RuntimeClientOptions = {}) {
    this.socketPath = socketPath;
    this.callTimeoutMs = options.callTimeoutMs ?? 120_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 600_000;
    // The authority is only a name here: grpc-js says "localhost" for unix sockets too.
    this.calls = new GrpcClientSession(() => http2Connect('http://localhost', { ...SESSION_OPTIONS, createConnection: () => netConnect(socketPath) }), 'runtime');
  }

  /** connect makes a client and waits until the socket answers (trying again until then), failing after timeoutMs. */
  static async connect(socketPath: string = DEFAULT_RUNTIME_SOCKET, timeoutMs = 5000, options: RuntimeClientOptions = {}): Promise<RuntimeClient> {
    const client = new RuntimeClient(socketPath, options);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await client.calls.ready();
        return client;
      } catch (err) {
        if (Date.now() + RETRY_CONNECT_MS >= deadline) {
          client.close();
          throw new RuntimeCallError('connect', GrpcCode.UNAVAILABLE,
            `no runtime answering on ${socketPath} within ${timeoutMs} ms (is \`flotilla runtime\` running?)`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, RETRY_CONNECT_MS));
      }
    }
  }

  private async call<R>(rpc: string, req: unknown, timeoutMs = this.callTimeoutMs): Promise<R> {
    const m = this.methods.get(rpc)!;
    let frame: Buffer;
    try {
      frame = frameMessage(m.requestSerialize((req ?? {}) as object));
    } catch (err) {
      throw new RuntimeCallError(rpc, GrpcCode.INTERNAL, `request serialization failed: ${(err as Error).message}`, { cause: err });
    }
    let answer: Buffer;
    try {
      answer = await this.calls.unary(m.path, frame, { timeoutMs, maxReceiveBytes: MAX_RECEIVE_BYTES });
    } catch (err) {
      const e = err as GrpcError;
      throw new RuntimeCallError(rpc, e.code ?? GrpcCode.UNKNOWN, e.details ?? e.message, { cause: err });
    }
    try {
      return m.responseDeserialize(answer) as R;
    } catch (err) {
      throw new RuntimeCallError(rpc, GrpcCode.INTERNAL, `response parsing failed: ${(err as Error).message}`, { cause: err });
    }
  }

  // RuntimeService

  /** version reports the runtime's name and versions. */
  version(req: { version?: string } = {}): Promise<T.VersionResponse> {
    return this.call('Version', req);
  }
  /** runPodSandbox creates a ready sandbox (namespaces, cgroup, IP) and returns its id. */
  runPodSandbox(req: { config: T.PodSandboxConfig; runtimeHandler?: string }): Promise<{ podSandboxId: string }> {
    return this.call('RunPodSandbox', req);
  }
  /** stopPodSandbox kills the sandbox's containers and releases its network; idempotent. */
  stopPodSandbox(req: { podSandboxId: string }): Promise<Record<string, never>> {
    return this.call('StopPodSandbox', req);
  }
  /** removePodSandbox removes the sandbox and its containers; idempotent. */
  removePodSandbox(req: { podSandboxId: string }): Promise<Record<string, never>> {
    return this.call('RemovePodSandbox', req);
  }
  /** podSandboxStatus returns one sandbox's status (NOT_FOUND if unknown). */
  podSandboxStatus(req: { podSandboxId: string; verbose?: boolean }): Promise<T.PodSandboxStatusResponse> {
    return this.call('PodSandboxStatus', req);
  }
  /** listPodSandbox lists sandboxes matching the filter (id, state, labels). */
  listPodSandbox(req: { filter?: T.PodSandboxFilter | null } = {}): Promise<{ items: T.PodSandbox[] }> {
    return this.call('ListPodSandbox', req);
  }
  /** createContainer creates (does not start) a container in a sandbox and returns its id. */
  createContainer(req: { podSandboxId: string; config: T.ContainerConfig; sandboxConfig?: T.PodSandboxConfig | null }): Promise<{ containerId: string }> {
    return this.call('CreateContainer', req);
  }
  /** startContainer starts a created container. */
  startContainer(req: { containerId: string }): Promise<Record<string, never>> {
    return this.call('StartContainer', req);
  }
  /** stopContainer sends SIGTERM, waits `timeout` seconds, then SIGKILL; idempotent. */
  stopContainer(req: { containerId: string; timeout?: number }): Promise<Record<string, never>> {
    const graceMs = (req.timeout ?? 0) * 1000;
    return this.call('StopContainer', req, this.callTimeoutMs + graceMs);
  }
  /** removeContainer removes a container, killing it first if needed; idempotent. */
  removeContainer(req: { containerId: string }): Promise<Record<string, never>> {
    return this.call('RemoveContainer', req);
  }
  /** listContainers lists containers matching the filter (id, state, sandbox, labels). */
  listContainers(req: { filter?: T.ContainerFilter | null } = {}): Promise<{ containers: T.Container[] }> {
    return this.call('ListContainers', req);
  }
  /** containerStatus returns one container's status (NOT_FOUND if unknown). */
  containerStatus(req: { containerId: string; verbose?: boolean }): Promise<T.ContainerStatusResponse> {
    return this.call('ContainerStatus', req);
  }
  /** containerStats returns a container's CPU and memory usage from its cgroup. */
  containerStats(req: { containerId: string }): Promise<{ stats: T.ContainerStats }> {
    return this.call('ContainerStats', req);
  }
  /** execSync runs cmd in a running container; `timeout` in seconds (0: none). */
  execSync(req: { containerId: string; cmd: string[]; timeout?: number }): Promise<T.ExecSyncResponse> {
    const limitMs = req.timeout ? req.timeout * 1000 + 10_000 : this.callTimeoutMs;
    return this.call('ExecSync', req, limitMs);
  }
  /** updateRuntimeConfig sets the pod CIDR (runtimeConfig.networkConfig.podCidr). */
  updateRuntimeConfig(req: { runtimeConfig: { networkConfig: { podCidr: string } } }): Promise<Record<string, never>> {
    return this.call('UpdateRuntimeConfig', req);
  }
  /** status reports the RuntimeReady and NetworkReady conditions. */
  status(req: { verbose?: boolean } = {}): Promise<T.StatusResponse> {
    return this.call('Status', req);
  }

  // ImageService

  /** listImages lists the images in the store. */
  listImages(req: { filter?: { image?: T.ImageSpec | null } | null } = {}): Promise<{ images: T.Image[] }> {
    return this.call('ListImages', req);
  }
  /** imageStatus returns the image, or `image: null` when it is not present. */
  imageStatus(req: { image: T.ImageSpec; verbose?: boolean }): Promise<{ image: T.Image | null; info: T.StringMap }> {
    return this.call('ImageStatus', req);
  }
  /** pullImage pulls an image and returns its id as imageRef. */
  pullImage(req: { image: T.ImageSpec; auth?: T.AuthConfig | null; sandboxConfig?: T.PodSandboxConfig | null }): Promise<{ imageRef: string }> {
    return this.call('PullImage', req, this.pullTimeoutMs);
  }
  /** removeImage removes an image; idempotent. */
  removeImage(req: { image: T.ImageSpec }): Promise<Record<string, never>> {
    return this.call('RemoveImage', req);
  }
  /** imageFsInfo reports the bytes and inodes the image store uses. */
  imageFsInfo(): Promise<T.ImageFsInfoResponse> {
    return this.call('ImageFsInfo', {});
  }

  /**
   * warmCodecs compiles the encoders of every request type and the decoders of every response
   * type, nested ones included, locally (runtime/proto/warm-codecs.ts): the runtime is not called.
   */
  warmCodecs(): void {
    warmCodecs('client');
  }

  /** close releases the connection (pending calls fail); the promise settles once it is closed. */
  close(): Promise<void> {
    return this.calls.close();
  }
}
