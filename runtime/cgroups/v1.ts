/**
 * CgroupV1Manager: one directory per hierarchy (memory, cpu, cpuacct, pids, freezer,
 * devices, blkio), limits written to the hierarchy that owns each controller. Hosts that
 * mount cpu and cpuacct together (`cpu,cpuacct`) or apart (these machines) both work,
 * since files are found by controller, not by a fixed path.
 */
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupError, checkCgroupPath } from './errors.js';
import { applyWrites, killSubtree, readCgroupFile, removeSubtree } from './fs-ops.js';
import { parseKeyed, parseLimit, parseProcs, v1Writes } from './resources.js';
import type { CgroupManager, CgroupResources, CgroupStats, V1Hierarchy } from './types.js';

/** V1_JOINED_CONTROLLERS are the controllers whose hierarchies a container joins. */
export const V1_JOINED_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer', 'devices', 'blkio'];

/** CgroupV1Manager implements CgroupManager over separate v1 hierarchies. */
export class CgroupV1Manager implements CgroupManager {
  readonly version = 1 as const;
  private readonly mounts: string[];
  private readonly byController = new Map<string, string>();

  constructor(private readonly hierarchies: readonly V1Hierarchy[]) {
    const mounts: string[] = [];
    for (const h of hierarchies) {
      const wanted = h.controllers.filter((c) => V1_JOINED_CONTROLLERS.includes(c));
      if (wanted.length === 0) continue;
      if (!mounts.includes(h.mountPoint)) mounts.push(h.mountPoint);
      for (const c of wanted) if (!this.byController.has(c)) this.byController.set(c, h.mountPoint);
    }
    for (const needed of ['memory', 'cpu', 'pids']) {
      if (!this.byController.has(needed)) {
        throw new CgroupError('FLT_ERR_CGROUP_LAYOUT', `cgroup v1: the ${needed} controller is not mounted`);
      }
    }
    this.mounts = mounts;
  }

  private dir(controller: string, path: string): string {
    const mount = this.byController.get(controller);
    if (!mount) throw new CgroupError('FLT_ERR_CGROUP_LAYOUT', `cgroup v1: the ${controller} controller is not mounted`);
    return join(mount, checkCgroupPath(path));
  }

  dirs(path: string): string[] {
    const p = checkCgroupPath(path);
    return this.mounts.map((m) => join(m, p));
  }

  v1Hierarchies(): readonly V1Hierarchy[] {
    return this.hierarchies;
  }

  create(path: string, resources: CgroupResources): boolean {
    const writes = v1Writes(resources);
    const made: string[] = [];
    let existed = false;
    try {
      for (const d of this.dirs(path)) {
        // undefined: the directory was there already (mkdir -p made nothing).
        if (mkdirSync(d, { recursive: true }) === undefined) existed = true;
        else made.push(d);
      }
      applyWrites(writes.map((w) => ({ path: join(this.dir(w.controller, path), w.file), value: w.value })));
    } catch (err) {
      for (const d of made) {
        try {
          // Only the leaf: parents may be shared with other containers.
          rmdirSync(d);
        } catch {
          // best effort: the error below is the one that matters
        }
      }
      throw err;
    }
    return !existed;
  }

  update(path: string, resources: CgroupResources): void {
    applyWrites(v1Writes(resources).map((w) => ({ path: join(this.dir(w.controller, path), w.file), value: w.value })));
  }

  stats(path: string): CgroupStats {
    const read = (controller: string, file: string): number => {
      const text = readCgroupFile(join(this.dir(controller, path), file));
      if (text === undefined) throw new CgroupError('FLT_ERR_CGROUP_PATH', `cgroup ${path}: no ${controller}/${file}`);
      return parseLimit(text);
    };
    const cpuacct = this.byController.has('cpuacct') ? read('cpuacct', 'cpuacct.usage') : 0;
    const procs = readCgroupFile(join(this.dir('pids', path), 'pids.current'));
    return {
      memoryBytes: read('memory', 'memory.usage_in_bytes'),
      memoryLimitBytes: read('memory', 'memory.limit_in_bytes'),
      cpuUsageNs: cpuacct,
      pids: procs === undefined ? parseProcs(readCgroupFile(join(this.dir('memory', path), 'cgroup.procs')) ?? '').length : Number(procs),
    };
  }

  oomKilled(path: string): boolean {
    const text = readCgroupFile(join(this.dir('memory', path), 'memory.oom_control'));
    if (text === undefined) return false;
    return (parseKeyed(text).get('oom_kill') ?? 0) > 0;
  }

  killAll(path: string): void {
    killSubtree(this.dir('memory', path));
    killSubtree(this.dir('pids', path));
  }

  async remove(path: string, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const d of this.dirs(path)) await removeSubtree(d, deadline);
  }

  exists(path: string): boolean {
    return this.dirs(path).some((d) => existsSync(d));
  }
}
