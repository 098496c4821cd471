/**
 * The node's capacity: CPUs and memory of the machine, bounded by the limits of the cgroup the
 * agent's pods live under (v1 memory.limit_in_bytes and cpu.cfs_quota_us/cfs_period_us, v2
 * memory.max and cpu.max, on the parent and every ancestor), plus the pods limit. The parsing and
 * the arithmetic are pure; reading the files is the one small function at the bottom.
 */
import { readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatBytes, formatMilli } from '../api/quantity.js';
import type { ResourceList } from '../api/types.js';

/** MAX_PODS is the kubelet's default pods capacity. */
export const MAX_PODS = 110;

/** CgroupLimit is one cgroup's bounds; undefined means unlimited. */
export interface CgroupLimit {
  memoryBytes?: number;
  cpuMilli?: number;
}

/** parseMeminfo reads MemTotal from /proc/meminfo text, in bytes. */
export function parseMeminfo(text: string): number {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  if (!m) throw new Error('/proc/meminfo: no MemTotal line');
  return Number(m[1]) * 1024;
}

/** parseV1Memory reads memory.limit_in_bytes; the huge "no limit" value means unlimited. */
export function parseV1Memory(text: string): number | undefined {
  const v = Number(text.trim());
  return Number.isFinite(v) && v > 0 && v < 2 ** 62 ? v : undefined;
}

/** parseV1Cpu turns cpu.cfs_quota_us and cpu.cfs_period_us into millicores; -1 means unlimited. */
export function parseV1Cpu(quotaText: string, periodText: string): number | undefined {
  const quota = Number(quotaText.trim());
  const period = Number(periodText.trim());
  if (!(quota > 0) || !(period > 0)) return undefined;
  return Math.floor((quota * 1000) / period);
}

/** parseV2Memory reads memory.max ("max" or bytes). */
export function parseV2Memory(text: string): number | undefined {
  const t = text.trim();
  if (t === 'max' || t === '') return undefined;
  const v = Number(t);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** parseV2Cpu reads cpu.max ("max 100000" or "150000 100000") as millicores. */
export function parseV2Cpu(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (!quota || quota === 'max') return undefined;
  return parseV1Cpu(quota, period ?? '100000');
}

/** MachineFacts is what the capacity is computed from. */
export interface MachineFacts {
  cpus: number;
  memoryBytes: number;
  /** Limits of the cgroup parent and its ancestors. */
  limits: CgroupLimit[];
  maxPods?: number;
}

/** computeCapacity bounds the machine's CPUs and memory by every cgroup limit on the way. */
export function computeCapacity(f: MachineFacts): ResourceList {
  let cpuMilli = f.cpus * 1000;
  let memory = f.memoryBytes;
  for (const l of f.limits) {
    if (l.cpuMilli !== undefined) cpuMilli = Math.min(cpuMilli, l.cpuMilli);
    if (l.memoryBytes !== undefined) memory = Math.min(memory, l.memoryBytes);
  }
  // Memory in Ki like the kubelet; CPU rounded down to whole millicores.
  const memKi = Math.floor(memory / 1024) * 1024;
  return { cpu: formatMilli(Math.max(1, Math.floor(cpuMilli))), memory: formatBytes(memKi), pods: String(f.maxPods ?? MAX_PODS) };
}

/** cgroupAncestors lists a cgroup path and its ancestors below the root ("/a/b" → ["/a/b", "/a"]). */
export function cgroupAncestors(parent: string): string[] {
  const parts = parent.split('/').filter(Boolean);
  const out: string[] = [];
  for (let i = parts.length; i > 0; i--) out.push('/' + parts.slice(0, i).join('/'));
  return out;
}

// ---------------------------------------------------------------- I/O

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** readCgroupLimits reads the limits of a cgroup parent and its ancestors, v2 or v1 as mounted. */
export function readCgroupLimits(parent: string | undefined, root = '/sys/fs/cgroup'): CgroupLimit[] {
  if (!parent) return [];
  const v2 = existsSync(path.join(root, 'cgroup.controllers'));
  return cgroupAncestors(parent).map((p) => {
    if (v2) {
      const mem = read(path.join(root, p, 'memory.max'));
      const cpu = read(path.join(root, p, 'cpu.max'));
      return { memoryBytes: mem ? parseV2Memory(mem) : undefined, cpuMilli: cpu ? parseV2Cpu(cpu) : undefined };
    }
    const mem = read(path.join(root, 'memory', p, 'memory.limit_in_bytes'));
    const quota = read(path.join(root, 'cpu', p, 'cpu.cfs_quota_us'));
    const period = read(path.join(root, 'cpu', p, 'cpu.cfs_period_us'));
    return { memoryBytes: mem ? parseV1Memory(mem) : undefined, cpuMilli: quota && period ? parseV1Cpu(quota, period) : undefined };
  });
}

/** readNodeCapacity measures this machine (os.cpus, /proc/meminfo) within the cgroup parent. */
export function readNodeCapacity(cgroupParent?: string): ResourceList {
  const meminfo = read('/proc/meminfo');
  return computeCapacity({
    cpus: os.cpus().length || 1,
    memoryBytes: meminfo ? parseMeminfo(meminfo) : os.totalmem(),
    limits: readCgroupLimits(cgroupParent),
  });
}
