/**
 * records.ts: what the runtime remembers on disk about each sandbox and container, so that a
 * restarted runtime knows everything it made. Live facts (is the process running, its exit
 * code) come from the OCI runtime's state; these records hold what only we know.
 */
import type { ContainerConfig, PodSandboxConfig, PodSandboxState } from '../proto/types.js';

/** RECORD_VERSION marks the record layout, so a future layout can migrate old files. */
export const RECORD_VERSION = 1;

/** SandboxNamespaces are the bind-mounted namespace files containers join. */
export interface SandboxNamespaces {
  net: string;
  ipc: string;
  uts: string;
}

/** SandboxRecord is one pod sandbox as stored in `<root>/sandboxes/<id>/sandbox.json`. */
export interface SandboxRecord {
  version: number;
  id: string;
  /** createdAt in nanoseconds since the epoch. */
  createdAt: number;
  config: PodSandboxConfig;
  runtimeHandler: string;
  state: PodSandboxState;
  hostname: string;
  /** dir holds hosts, resolv.conf and the namespace files. */
  dir: string;
  namespaces: SandboxNamespaces | null;
  /** cgroupPath is the pod cgroup, absolute from the hierarchy root. */
  cgroupPath: string;
  /** network is null until attached and again after StopPodSandbox released it. */
  network: { ip: string; prefix: number; gateway: string; hostVeth: string; cidr: string } | null;
}

/** ContainerExit is how a container ended, copied from the OCI runtime once known. */
export interface ContainerExit {
  exitCode: number;
  signal: number | null;
  finishedAt: number;
  oomKilled: boolean;
  /** reason is "OOMKilled", "Error" or "Completed". */
  reason: string;
  message: string;
}

/** ContainerRecord is one container as stored in `<root>/containers/<id>/container.json`. */
export interface ContainerRecord {
  version: number;
  id: string;
  sandboxId: string;
  /** createdAt in nanoseconds since the epoch. */
  createdAt: number;
  /** startedAt in nanoseconds, 0 until StartContainer. */
  startedAt: number;
  config: ContainerConfig;
  /** image is the reference asked for; imageRef and imageId the resolved image id (sha256:...). */
  image: string;
  imageRef: string;
  imageId: string;
  /** bundle is the OCI bundle directory (config.json, rootfs). */
  bundle: string;
  rootfs: string;
  /** logPath is absolute: sandbox log_directory joined with config.log_path, or "" for none. */
  logPath: string;
  cgroupPath: string;
  exit: ContainerExit | null;
}
