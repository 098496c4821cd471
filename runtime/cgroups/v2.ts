/**
 * CgroupV2Manager: one directory in the unified hierarchy. Controllers are enabled in each
 * ancestor's cgroup.subtree_control (top-down, as the kernel requires) before limits are
 * written; cgroup.kill ends every task at once where the kernel has it (5.14+).
 */
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkCgroupPath } from './errors.js';
import { killSubtree, readCgroupFile, removeSubtree, writeCgroupFile } from './fs-ops.js';
import { parseKeyed, parseLimit, v2Writes } from './resources.js';
import type { CgroupManager, CgroupResources, CgroupStats, V1Hierarchy } from './types.js';

/** V2_CONTROLLERS are the controllers Flotilla enables for its cgroups when the host offers them. */
export const V2_CONTROLLERS = ['cpu', 'memory', 'pids'];

/** controllersToEnable is the `+ctl ...` line for a subtree_control, or '' when nothing is missing (pure). */
export function controllersToEnable(available: string, enabled: string, wanted = V2_CONTROLLERS): string {
  const have = new Set(available.split(/\s+/).filter(Boolean));
  const on = new Set(enabled.split(/\s+/).filter(Boolean));
  return wanted.filter((c) => have.has(c) && !on.has(c)).map((c) => `+${c}`).join(' ');
}

/** CgroupV2Manager implements CgroupManager over the unified hierarchy rooted at `root`. */
export class CgroupV2Manager implements CgroupManager {
  readonly version = 2 as const;
  /** ancestors whose subtree_control already carries V2_CONTROLLERS, so each is written once. */
  private readonly enabled = new Set<string>();

  constructor(readonly root = '/sys/fs/cgroup') {}

  private dir(path: string): string {
    return join(this.root, checkCgroupPath(path));
  }

  dirs(path: string): string[] {
    return [this.dir(path)];
  }

  v1Hierarchies(): readonly V1Hierarchy[] {
    return [];
  }

  private enableAncestors(path: string): void {
    const chain: string[] = [];
    for (let p = dirname(checkCgroupPath(path)); ; p = dirname(p)) {
      chain.unshift(p);
      if (p === '/') break;
    }
    let inherited = V2_CONTROLLERS.join(' ');
    for (const p of chain) {
      const d = join(this.root, p);
      if (this.enabled.has(d)) continue;
      const available = readCgroupFile(join(d, 'cgroup.controllers')) ?? inherited;
      const current = readCgroupFile(join(d, 'cgroup.subtree_control')) ?? '';
      const line = controllersToEnable(available, current);
      if (line !== '') writeCgroupFile(join(d, 'cgroup.subtree_control'), line);
      inherited = `${current} ${line.replace(/\+/g, '')}`;
      this.enabled.add(d);
    }
  }

  create(path: string, resources: CgroupResources): boolean {
    const writes = v2Writes(resources);
    const d = this.dir(path);
    // undefined: the directory was there already (mkdir -p made nothing).
    const made = mkdirSync(d, { recursive: true }) !== undefined;
    try {
      this.enableAncestors(path);
      for (const w of writes) writeCgroupFile(join(d, w.file), w.value);
    } catch (err) {
      if (made) {
        try {
          rmdirSync(d);
        } catch {
          // best effort: the write error is the one to report
        }
      }
      throw err;
    }
    return made;
  }

  update(path: string, resources: CgroupResources): void {
    const d = this.dir(path);
    for (const w of v2Writes(resources)) writeCgroupFile(join(d, w.file), w.value);
  }

  stats(path: string): CgroupStats {
    const d = this.dir(path);
    const num = (file: string): number => parseLimit(readCgroupFile(join(d, file)) ?? '0');
    const cpu = parseKeyed(readCgroupFile(join(d, 'cpu.stat')) ?? '');
    return {
      memoryBytes: num('memory.current'),
      memoryLimitBytes: num('memory.max'),
      cpuUsageNs: (cpu.get('usage_usec') ?? 0) * 1000,
      pids: num('pids.current'),
    };
  }

  oomKilled(path: string): boolean {
    const text = readCgroupFile(join(this.dir(path), 'memory.events'));
    return text !== undefined && (parseKeyed(text).get('oom_kill') ?? 0) > 0;
  }

  killAll(path: string): void {
    const d = this.dir(path);
    if (existsSync(join(d, 'cgroup.kill'))) writeCgroupFile(join(d, 'cgroup.kill'), '1');
    else killSubtree(d);
  }

  async remove(path: string, timeoutMs = 2000): Promise<void> {
    const d = this.dir(path);
    for (const key of this.enabled) if (key === d || key.startsWith(`${d}/`)) this.enabled.delete(key);
    await removeSubtree(d, Date.now() + timeoutMs);
  }

  exists(path: string): boolean {
    return existsSync(this.dir(path));
  }
}
