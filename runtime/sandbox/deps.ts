/**
 * deps.ts: the parts the sandbox and container managers drive, named by what they must do.
 * The real ones (OciRuntime, nsCreate/nsRemove, CgroupManager, ImageStore, execInContainer)
 * are wired in runtime/service/wiring.ts; keeping these shapes here keeps the managers'
 * dependencies in one readable place.
 */
import type { CgroupManager } from '../cgroups/types.js';
import type { OciSpec } from '../oci/oci-types.js';

/** ExitInfo is how a container's process ended, as the OCI runtime's wait reports it. */
export interface ExitInfo {
  exitCode: number | null;
  signal: number | null;
  /** startedAt and finishedAt in nanoseconds since the epoch (0 when unknown). */
  startedAt: number;
  finishedAt: number;
  oomKilled: boolean;
}

/** OciState is the live state of one container: OCI status and its init pid. */
export interface OciStateInfo {
  status: 'creating' | 'created' | 'running' | 'stopped';
  pid: number;
}

/** OciRuntimePort creates and controls containers from OCI bundles (runtime/oci/lifecycle.ts). */
export interface OciRuntimePort {
  /** create makes the container from its bundle; config is the bundle's config.json as just written (not read back). */
  create(id: string, bundle: string, opts: { logPath?: string; config?: OciSpec }): Promise<void>;
  start(id: string): Promise<void>;
  /** state returns undefined when the runtime knows no such container. */
  state(id: string): Promise<OciStateInfo | undefined>;
  kill(id: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** wait resolves with the exit once the container has exited, or undefined after timeoutMs. */
  wait(id: string, timeoutMs: number): Promise<ExitInfo | undefined>;
  delete(id: string, opts: { force: boolean }): Promise<void>;
}

/** NamespacePort makes and removes the sandbox's persistent namespaces (runtime/native.ts). */
export interface NamespacePort {
  create(dir: string, kinds: ('net' | 'ipc' | 'uts')[], hostname: string): Promise<{ net: string; ipc: string; uts: string }>;
  remove(dir: string): Promise<void>;
}

/** PreparedRootfs is a container's root filesystem and the image config it came with. */
export interface PreparedRootfs {
  rootfs: string;
  config: { entrypoint?: string[]; cmd?: string[]; env?: string[]; workingDir?: string; user?: string };
  imageId: string;
}

/** ImagePort is the image store as the container manager uses it (runtime/images/). */
export interface ImagePort {
  /** resolveImage gives the id (sha256:...) of the image a reference names, or throws NOT_FOUND naming it. */
  resolveImage(ref: string): string;
  /** prepareRootfs mounts `<dir>/rootfs` over upper and work dirs made under rwDir. */
  prepareRootfs(ref: string, containerId: string, dir: string, rwDir: string): Promise<PreparedRootfs>;
  releaseRootfs(containerId: string, dir: string, rwDir: string): Promise<void>;
}

/** ExecPort runs a command inside a running container (runtime/shim/). */
export interface ExecPort {
  exec(opts: {
    pid: number;
    cmd: string[];
    env?: string[];
    cwd?: string;
    cgroupDirs?: string[];
    timeoutMs?: number;
  }): Promise<{ exitCode: number; stdout: Buffer; stderr: Buffer; timedOut?: boolean }>;
}

/** RuntimeDeps bundles the parts a runtime instance drives. */
export interface RuntimeDeps {
  oci: OciRuntimePort;
  namespaces: NamespacePort;
  cgroups: CgroupManager;
  images: ImagePort;
  exec: ExecPort;
}
