/**
 * The OCI runtime-spec 1.0.2 shapes Flotilla writes and reads (config.json and the state
 * runc prints). Only the Linux parts; field names and nesting follow the spec exactly so
 * a config.json made here runs under runc and crun unchanged.
 */

/** OCI_VERSION is the runtime-spec version Flotilla's config.json and state declare. */
export const OCI_VERSION = '1.0.2';

/** OciSpec is a whole config.json. */
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: OciMount[];
  annotations?: Record<string, string>;
  linux?: OciLinux;
}

/** OciProcess is the container's first process: what runs, as whom, with which powers. */
export interface OciProcess {
  terminal?: boolean;
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

/** OciCapabilities holds the five Linux capability sets by name (`CAP_CHOWN`, ...). */
export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** OciRlimit is one setrlimit() applied before exec (`RLIMIT_NOFILE`, ...). */
export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

/** OciMount is one entry of config.json's `mounts`, mounted in order inside the rootfs. */
export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** OciNamespaceType names a Linux namespace kind as the spec spells it. */
export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

/** OciNamespace is a namespace to create (no path) or to join (path to /proc/PID/ns/... or a bind). */
export interface OciNamespace {
  type: OciNamespaceType;
  path?: string;
}

/** OciLinuxResources are the cgroup limits of config.json's `linux.resources`. */
export interface OciLinuxResources {
  devices?: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }[];
  memory?: { limit?: number; reservation?: number; swap?: number; kernel?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; realtimeRuntime?: number; realtimePeriod?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: Record<string, unknown>;
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: Record<string, unknown>;
}

/** OciLinux is config.json's `linux` object. */
export interface OciLinux {
  namespaces?: OciNamespace[];
  uidMappings?: { containerID: number; hostID: number; size: number }[];
  gidMappings?: { containerID: number; hostID: number; size: number }[];
  devices?: { path: string; type: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }[];
  cgroupsPath?: string;
  resources?: OciLinuxResources;
  sysctl?: Record<string, string>;
  seccomp?: Record<string, unknown>;
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
}

/** OciStatus is a container's lifecycle state as the spec names it. */
export type OciStatus = 'creating' | 'created' | 'running' | 'stopped';

/** OciState is the state document of the spec (what `runc state` prints), without Flotilla's extras. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: OciStatus;
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
}
