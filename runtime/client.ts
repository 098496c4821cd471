/**
 * client.ts: the gRPC client of the runtime service, the one module of runtime/ the agent
 * imports. One async method per RPC, named as the RPC in camelCase, taking the CRI request
 * object and resolving to the CRI response object (camelCase fields, int64 as number, enums as
 * names; see runtime/proto/load.ts and runtime/proto/types.ts). A failed call rejects with a
 * RuntimeCallError carrying the gRPC status code (NOT_FOUND, INVALID_ARGUMENT, ...).
 */
import * as grpc from '@grpc/grpc-js';
import { loadRuntimeProto } from './proto/load.js';
import { exemplar, type MessageDescriptor } from './proto-exemplar.js';
import type * as T from './proto/types.js';

export type * from './proto/types.js';

/** GrpcStatus re-exports grpc-js's status codes so callers can test `err.code === GrpcStatus.NOT_FOUND`. */
export const GrpcStatus = grpc.status;

/** DEFAULT_RUNTIME_SOCKET is where `flotilla runtime` listens unless told otherwise. */
export const DEFAULT_RUNTIME_SOCKET = '/run/flotilla/runtime.sock';

/** RuntimeCallError is a failed RPC: `code` is the gRPC status, `rpc` the method, message the server's. */
export class RuntimeCallError extends Error {
  readonly code: grpc.status;
  readonly rpc: string;
  constructor(rpc: string, code: grpc.status, details: string, options?: { cause?: unknown }) {
    super(`${rpc}: ${details || grpc.status[code]}`, options);
    this.name = 'RuntimeCallError';
    this.code = code;
    this.rpc = rpc;
  }
  /** codeName is the status as a word, e.g. "NOT_FOUND". */
  get codeName(): string {
    return grpc.status[this.code] ?? String(this.code);
  }
}

/** RuntimeClientOptions tune the deadlines: callTimeoutMs for every RPC, pullTimeoutMs for PullImage. */
export interface RuntimeClientOptions {
  callTimeoutMs?: number;
  pullTimeoutMs?: number;
}

type Callback = (err: grpc.ServiceError | null, res: unknown) => void;
type Stub = grpc.Client & Record<string, (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => void>;

/** RuntimeClient talks to `flotilla runtime` over its unix socket (RuntimeService and ImageService). */
export class RuntimeClient {
  readonly socketPath: string;
  private readonly runtime: Stub;
  private readonly images: Stub;
  private readonly callTimeoutMs: number;
  private readonly pullTimeoutMs: number;

  constructor(socketPath: string = DEFAULT_RUNTIME_SOCKET, options: RuntimeClientOptions = {}) {
    this.socketPath = socketPath;
    this.callTimeoutMs = options.callTimeoutMs ?? 120_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 600_000;
    const pkg = loadRuntimeProto();
    const address = `unix:${socketPath}`;
    const creds = grpc.credentials.createInsecure();
    const channelOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024 };
    this.runtime = new pkg.RuntimeService(address, creds, channelOptions) as unknown as Stub;
    // Both stubs share one channel when given the same address and options.
    this.images = new pkg.ImageService(address, creds, channelOptions) as unknown as Stub;
  }

  /** connect makes a client and waits until the socket answers, failing after timeoutMs. */
  static async connect(socketPath: string = DEFAULT_RUNTIME_SOCKET, timeoutMs = 5000, options: RuntimeClientOptions = {}): Promise<RuntimeClient> {
    const client = new RuntimeClient(socketPath, options);
    try {
      await new Promise<void>((resolve, reject) => {
        client.runtime.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve()));
      });
    } catch (err) {
      client.close();
      throw new RuntimeCallError('connect', grpc.status.UNAVAILABLE,
        `no runtime answering on ${socketPath} within ${timeoutMs} ms (is \`flotilla runtime\` running?)`, { cause: err });
    }
    return client;
  }

  private call<R>(stub: Stub, rpc: string, req: unknown, timeoutMs = this.callTimeoutMs): Promise<R> {
    const method = rpc[0]!.toLowerCase() + rpc.slice(1);
    return new Promise<R>((resolve, reject) => {
      stub[method]!(req ?? {}, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(new RuntimeCallError(rpc, err.code ?? grpc.status.UNKNOWN, err.details ?? err.message, { cause: err }));
        else resolve(res as R);
      });
    });
  }

  // RuntimeService

  /** version reports the runtime's name and versions. */
  version(req: { version?: string } = {}): Promise<T.VersionResponse> {
    return this.call(this.runtime, 'Version', req);
  }
  /** runPodSandbox creates a ready sandbox (namespaces, cgroup, IP) and returns its id. */
  runPodSandbox(req: { config: T.PodSandboxConfig; runtimeHandler?: string }): Promise<{ podSandboxId: string }> {
    return this.call(this.runtime, 'RunPodSandbox', req);
  }
  /** stopPodSandbox kills the sandbox's containers and releases its network; idempotent. */
  stopPodSandbox(req: { podSandboxId: string }): Promise<Record<string, never>> {
    return this.call(this.runtime, 'StopPodSandbox', req);
  }
  /** removePodSandbox removes the sandbox and its containers; idempotent. */
  removePodSandbox(req: { podSandboxId: string }): Promise<Record<string, never>> {
    return this.call(this.runtime, 'RemovePodSandbox', req);
  }
  /** podSandboxStatus returns one sandbox's status (NOT_FOUND if unknown). */
  podSandboxStatus(req: { podSandboxId: string; verbose?: boolean }): Promise<T.PodSandboxStatusResponse> {
    return this.call(this.runtime, 'PodSandboxStatus', req);
  }
  /** listPodSandbox lists sandboxes matching the filter (id, state, labels). */
  listPodSandbox(req: { filter?: T.PodSandboxFilter | null } = {}): Promise<{ items: T.PodSandbox[] }> {
    return this.call(this.runtime, 'ListPodSandbox', req);
  }
  /** createContainer creates (does not start) a container in a sandbox and returns its id. */
  createContainer(req: { podSandboxId: string; config: T.ContainerConfig; sandboxConfig?: T.PodSandboxConfig | null }): Promise<{ containerId: string }> {
    return this.call(this.runtime, 'CreateContainer', req);
  }
  /** startContainer starts a created container. */
  startContainer(req: { containerId: string }): Promise<Record<string, never>> {
    return this.call(this.runtime, 'StartContainer', req);
  }
  /** stopContainer sends SIGTERM, waits `timeout` seconds, then SIGKILL; idempotent. */
  stopContainer(req: { containerId: string; timeout?: number }): Promise<Record<string, never>> {
    const graceMs = (req.timeout ?? 0) * 1000;
    return this.call(this.runtime, 'StopContainer', req, this.callTimeoutMs + graceMs);
  }
  /** removeContainer removes a container, killing it first if needed; idempotent. */
  removeContainer(req: { containerId: string }): Promise<Record<string, never>> {
    return this.call(this.runtime, 'RemoveContainer', req);
  }
  /** listContainers lists containers matching the filter (id, state, sandbox, labels). */
  listContainers(req: { filter?: T.ContainerFilter | null } = {}): Promise<{ containers: T.Container[] }> {
    return this.call(this.runtime, 'ListContainers', req);
  }
  /** containerStatus returns one container's status (NOT_FOUND if unknown). */
  containerStatus(req: { containerId: string; verbose?: boolean }): Promise<T.ContainerStatusResponse> {
    return this.call(this.runtime, 'ContainerStatus', req);
  }
  /** containerStats returns a container's CPU and memory usage from its cgroup. */
  containerStats(req: { containerId: string }): Promise<{ stats: T.ContainerStats }> {
    return this.call(this.runtime, 'ContainerStats', req);
  }
  /** execSync runs cmd in a running container; `timeout` in seconds (0: none). */
  execSync(req: { containerId: string; cmd: string[]; timeout?: number }): Promise<T.ExecSyncResponse> {
    const limitMs = req.timeout ? req.timeout * 1000 + 10_000 : this.callTimeoutMs;
    return this.call(this.runtime, 'ExecSync', req, limitMs);
  }
  /** updateRuntimeConfig sets the pod CIDR (runtimeConfig.networkConfig.podCidr). */
  updateRuntimeConfig(req: { runtimeConfig: { networkConfig: { podCidr: string } } }): Promise<Record<string, never>> {
    return this.call(this.runtime, 'UpdateRuntimeConfig', req);
  }
  /** status reports the RuntimeReady and NetworkReady conditions. */
  status(req: { verbose?: boolean } = {}): Promise<T.StatusResponse> {
    return this.call(this.runtime, 'Status', req);
  }

  // ImageService

  /** listImages lists the images in the store. */
  listImages(req: { filter?: { image?: T.ImageSpec | null } | null } = {}): Promise<{ images: T.Image[] }> {
    return this.call(this.images, 'ListImages', req);
  }
  /** imageStatus returns the image, or `image: null` when it is not present. */
  imageStatus(req: { image: T.ImageSpec; verbose?: boolean }): Promise<{ image: T.Image | null; info: T.StringMap }> {
    return this.call(this.images, 'ImageStatus', req);
  }
  /** pullImage pulls an image and returns its id as imageRef. */
  pullImage(req: { image: T.ImageSpec; auth?: T.AuthConfig | null; sandboxConfig?: T.PodSandboxConfig | null }): Promise<{ imageRef: string }> {
    return this.call(this.images, 'PullImage', req, this.pullTimeoutMs);
  }
  /** removeImage removes an image; idempotent. */
  removeImage(req: { image: T.ImageSpec }): Promise<Record<string, never>> {
    return this.call(this.images, 'RemoveImage', req);
  }
  /** imageFsInfo reports the bytes and inodes the image store uses. */
  imageFsInfo(): Promise<T.ImageFsInfoResponse> {
    return this.call(this.images, 'ImageFsInfo', {});
  }

  /**
   * warmCodecs compiles the encoders and decoders of every request and response type, nested ones
   * included, by encoding and decoding an exemplar of each locally: the runtime is not called.
   */
  warmCodecs(): void {
    const pkg = loadRuntimeProto() as unknown as Record<string, { type?: MessageDescriptor } | undefined>;
    const lookup = (name: string) => pkg[name]?.type;
    type Method = grpc.MethodDefinition<unknown, unknown> & { requestType?: { type?: MessageDescriptor }; responseType?: { type?: MessageDescriptor } };
    for (const service of [pkg.RuntimeService, pkg.ImageService] as unknown as { service: Record<string, Method> }[]) {
      for (const m of Object.values(service.service)) {
        if (m.requestType?.type) m.requestSerialize(exemplar(m.requestType.type, lookup));
        if (m.responseType?.type) m.responseDeserialize(m.responseSerialize(exemplar(m.responseType.type, lookup)));
      }
    }
  }

  /** close releases the channel; pending calls fail. */
  close(): void {
    this.runtime.close();
    this.images.close();
  }
}
