/**
 * The one interface both cgroup backends (v1 hierarchies, v2 unified) implement, and the
 * plain data that crosses it. A cgroup `path` is always absolute from the root of the
 * hierarchy (`/flotilla/pod-a/c1`), as OCI's `linux.cgroupsPath` is when it starts with `/`.
 */

/** CgroupResources are the limits Flotilla sets; an absent field leaves the kernel default. */
export interface CgroupResources {
  /** memoryBytes is the hard memory limit; past it the kernel OOM-kills inside the cgroup. */
  memoryBytes?: number;
  /** cpuQuota is the CFS quota in microseconds per cpuPeriod; -1 or absent means unlimited. */
  cpuQuota?: number;
  /** cpuPeriod is the CFS period in microseconds (kernel default 100000). */
  cpuPeriod?: number;
  /** cpuShares is the v1 relative weight (2..262144, default 1024); v2 converts it to cpu.weight. */
  cpuShares?: number;
  /** pidsLimit caps the number of tasks; 0, -1 or absent means unlimited. */
  pidsLimit?: number;
  /** devices are device-cgroup rules in order (v1 devices.allow/deny; not applied on v2, which needs eBPF). */
  devices?: DeviceRule[];
}

/** DeviceRule allows or denies access to device nodes, as OCI's linux.resources.devices entries. */
export interface DeviceRule {
  allow: boolean;
  /** type is 'c', 'b' or 'a' (all); absent means all. */
  type?: string;
  /** major and minor absent mean any. */
  major?: number;
  minor?: number;
  /** access is a subset of "rwm"; absent means "rwm". */
  access?: string;
}

/** CgroupStats is what a cgroup reports about its members right now. */
export interface CgroupStats {
  /** memoryBytes is current usage (v1 memory.usage_in_bytes, v2 memory.current). */
  memoryBytes: number;
  /** memoryLimitBytes is the effective limit; unlimited reads as Number.MAX_SAFE_INTEGER or more. */
  memoryLimitBytes: number;
  /** cpuUsageNs is the total CPU time consumed, in nanoseconds. */
  cpuUsageNs: number;
  /** pids is the number of tasks in the cgroup. */
  pids: number;
}

/** CgroupVersion says which layout a host runs: separate v1 hierarchies or the v2 unified tree. */
export type CgroupVersion = 1 | 2;

/** V1Hierarchy is one mounted v1 hierarchy and the controllers bound to it (`cpu`, `name=systemd`). */
export interface V1Hierarchy {
  mountPoint: string;
  controllers: string[];
}

/** CgroupManager creates, limits, measures and removes cgroups on one host layout. */
export interface CgroupManager {
  /** version is 1 for per-controller hierarchies, 2 for the unified hierarchy. */
  readonly version: CgroupVersion;
  /** create makes the cgroup (and missing parents) in every hierarchy and applies resources; true when it did not exist before (so it is the caller's to remove on failure). */
  create(path: string, resources: CgroupResources): boolean;
  /** dirs lists the directories whose cgroup.procs a process must join to be inside `path`. */
  dirs(path: string): string[];
  /**
   * v1Hierarchies lists every v1 hierarchy of the host, joined or not (none on v2): the shim binds
   * each into a container's /sys/fs/cgroup, and is spared finding them in the mount table.
   */
  v1Hierarchies(): readonly V1Hierarchy[];
  /** update changes the limits of an existing cgroup. */
  update(path: string, resources: CgroupResources): void;
  /** stats reads usage, limit, CPU time and task count. */
  stats(path: string): CgroupStats;
  /** oomKilled says whether the kernel's OOM killer has killed a task in this cgroup. */
  oomKilled(path: string): boolean;
  /** killAll sends SIGKILL to every task in the cgroup and its children. */
  killAll(path: string): void;
  /** remove deletes the cgroup and its children everywhere, waiting briefly for them to empty. */
  remove(path: string, timeoutMs?: number): Promise<void>;
  /** exists says whether the cgroup is present in any hierarchy. */
  exists(path: string): boolean;
}
