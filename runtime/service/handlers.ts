/**
 * handlers.ts: the gRPC method implementations, by method name. Each one unpacks the CRI request,
 * calls the runtime, and packs the answer; every thrown value becomes a GrpcError in toGrpcError,
 * and faults (INTERNAL) are also logged with their stack for the operator.
 */
import { GrpcCode } from '../../grpc/status.js';
import type { FlotillaRuntime } from './flotilla-runtime.js';
import type { Image } from '../proto/types.js';
import type { ImageRecord } from '../images/types.js';
import { toGrpcError, invalid } from './errors.js';

type Req = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Impl = (req: Req) => Promise<unknown> | unknown;

/** Handlers answer a service's methods, by name ("RunPodSandbox"); they reject with a GrpcError. */
export type Handlers = Record<string, (req: unknown) => Promise<unknown>>;

function unary(name: string, impl: Impl, log: (m: string) => void): (req: unknown) => Promise<unknown> {
  return async (req) => {
    try {
      return (await impl((req ?? {}) as Req)) ?? {};
    } catch (err) {
      const status = toGrpcError(err);
      if (status.code === GrpcCode.INTERNAL) {
        log(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      throw status;
    }
  };
}

/** runtimeServiceHandlers implements RuntimeService over a FlotillaRuntime. */
export function runtimeServiceHandlers(rt: FlotillaRuntime): Handlers {
  const log = rt.ctx.log;
  const impls: Record<string, Impl> = {
    Version: () => rt.version(),
    RunPodSandbox: async (r) => ({ podSandboxId: await rt.sandboxes.run(r.config, r.runtimeHandler ?? '') }),
    StopPodSandbox: async (r) => (await rt.sandboxes.stop(r.podSandboxId), {}),
    RemovePodSandbox: async (r) => (await rt.sandboxes.remove(r.podSandboxId), {}),
    PodSandboxStatus: async (r) => {
      const res = rt.sandboxes.status(r.podSandboxId, r.verbose === true);
      res.containersStatuses = await rt.containers.statusesIn(res.status.id);
      return res;
    },
    ListPodSandbox: (r) => ({ items: rt.sandboxes.list(r.filter) }),
    CreateContainer: async (r) => {
      if (!r.podSandboxId) throw invalid('pod_sandbox_id', 'required');
      return { containerId: await rt.containers.create(r.podSandboxId, r.config) };
    },
    StartContainer: async (r) => (await rt.containers.start(r.containerId), {}),
    StopContainer: async (r) => (await rt.containers.stop(r.containerId, Number(r.timeout ?? 0)), {}),
    RemoveContainer: async (r) => (await rt.containers.remove(r.containerId), {}),
    ListContainers: async (r) => ({ containers: await rt.containers.list(r.filter) }),
    ContainerStatus: (r) => rt.containers.status(r.containerId, r.verbose === true),
    ContainerStats: async (r) => ({ stats: await rt.containers.stats(r.containerId) }),
    ExecSync: (r) => rt.containers.execSync(r.containerId, r.cmd ?? [], Number(r.timeout ?? 0)),
    UpdateRuntimeConfig: async (r) => (await rt.updateRuntimeConfig(r.runtimeConfig?.networkConfig?.podCidr), {}),
    Status: (r) => rt.status(r.verbose === true),
  };
  return Object.fromEntries(Object.entries(impls).map(([name, impl]) => [name, unary(name, impl, log)]));
}

/** ImageStoreLike is the part of runtime/images' ImageStore the ImageService needs. */
export interface ImageStoreLike {
  list(): ImageRecord[] | Promise<ImageRecord[]>;
  status(ref: string): ImageRecord | undefined | Promise<ImageRecord | undefined>;
  pull(ref: string): Promise<{ id: string }>;
  remove(ref: string): Promise<unknown>;
  fsInfo(): { usedBytes: number; inodesUsed: number; mountpoint?: string } | Promise<{ usedBytes: number; inodesUsed: number; mountpoint?: string }>;
}

function toImage(r: ImageRecord): Image {
  return {
    id: r.id,
    repoTags: r.repoTags,
    repoDigests: r.repoDigests,
    size: r.size,
    uid: null,
    username: r.config.user ?? '',
    spec: { image: r.id, annotations: {} },
    pinned: false,
  };
}

/** imageServiceHandlers implements ImageService over the image store. */
export function imageServiceHandlers(images: ImageStoreLike, rootDir: string, log: (m: string) => void): Handlers {
  const ref = (r: Req): string => {
    const image = r.image?.image as string | undefined;
    if (!image) throw invalid('image.image', 'required');
    return image;
  };
  const statusOrNull = async (name: string): Promise<ImageRecord | null> => {
    try {
      return (await images.status(name)) ?? null;
    } catch (err) {
      if ((err as { code?: string }).code === 'FLT_ERR_IMAGE_NOT_FOUND') return null;
      throw err;
    }
  };
  const impls: Record<string, Impl> = {
    ListImages: async (r) => {
      const want = r.filter?.image?.image as string | undefined;
      let all = await images.list();
      if (want) {
        const one = await statusOrNull(want);
        all = one ? [one] : [];
      }
      return { images: all.map(toImage) };
    },
    ImageStatus: async (r) => {
      const img = await statusOrNull(ref(r));
      return { image: img ? toImage(img) : null, info: img && r.verbose ? { config: JSON.stringify(img.config) } : {} };
    },
    PullImage: async (r) => {
      const res = await images.pull(ref(r));
      return { imageRef: res.id };
    },
    RemoveImage: async (r) => {
      try {
        await images.remove(ref(r));
      } catch (err) {
        if ((err as { code?: string }).code !== 'FLT_ERR_IMAGE_NOT_FOUND') throw err; // idempotent, as CRI says
      }
      return {};
    },
    ImageFsInfo: async () => {
      const fs = await images.fsInfo();
      const now = Date.now() * 1e6;
      return {
        imageFilesystems: [{ timestamp: now, fsId: { mountpoint: fs.mountpoint ?? rootDir }, usedBytes: { value: fs.usedBytes }, inodesUsed: { value: fs.inodesUsed } }],
        containerFilesystems: [],
      };
    },
  };
  return Object.fromEntries(Object.entries(impls).map(([name, impl]) => [name, unary(name, impl, log)]));
}
