/**
 * Pure translation of CgroupResources into the files each cgroup version expects, and of
 * those files back into numbers. No I/O here: v1.ts and v2.ts write what these return, and
 * the tables in test/runtime/cgroups-resources.test.ts pin the conversions.
 */
import type { CgroupResources, DeviceRule } from './types.js';

/** UNLIMITED_BYTES is the "no limit" value v1 reports (2^63 - 4096); v2's "max" maps to it too. */
export const UNLIMITED_BYTES = 9223372036854771712;

/** CgroupWrite is one value to write into one interface file; `controller` picks the v1 hierarchy. */
export interface CgroupWrite {
  controller: 'memory' | 'cpu' | 'pids' | 'devices';
  file: string;
  value: string;
}

/** sharesToWeight converts v1 cpu.shares to v2 cpu.weight with the conversion runc and crun use. */
export function sharesToWeight(shares: number): number {
  if (shares <= 0) return 0;
  const clamped = Math.min(Math.max(shares, 2), 262144);
  return Math.floor(1 + ((clamped - 2) * 9999) / 262142);
}

function checkInt(name: string, v: number | undefined, min: number): void {
  if (v === undefined) return;
  if (!Number.isSafeInteger(v) || v < min) {
    throw new RangeError(`resources.${name}: must be an integer >= ${min}, got ${v}`);
  }
}

/** validateResources throws a RangeError naming the field when a value cannot be written. */
export function validateResources(r: CgroupResources): void {
  checkInt('memoryBytes', r.memoryBytes, 0);
  checkInt('cpuQuota', r.cpuQuota, -1);
  if (r.cpuPeriod !== undefined) checkInt('cpuPeriod', r.cpuPeriod, 1000);
  if (r.cpuShares !== undefined && r.cpuShares !== 0) checkInt('cpuShares', r.cpuShares, 2);
  checkInt('pidsLimit', r.pidsLimit, -1);
}

function unlimitedQuota(q: number | undefined): boolean {
  return q === undefined || q <= 0;
}

/** deviceRuleLine renders one rule as devices.allow/deny expects it (`c 1:3 rwm`, `a`). */
export function deviceRuleLine(r: DeviceRule): string {
  const type = r.type ?? 'a';
  if (!/^[abc]$/.test(type)) throw new RangeError(`resources.devices: type must be a, b or c, got "${type}"`);
  const access = r.access ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(access)) throw new RangeError(`resources.devices: access must be made of r, w, m, got "${access}"`);
  if (type === 'a') return 'a';
  const num = (n: number | undefined): string => (n === undefined || n < 0 ? '*' : String(n));
  return `${type} ${num(r.major)}:${num(r.minor)} ${access}`;
}

/** v1Writes lists the v1 files to write, in a safe order (cfs_period_us before cfs_quota_us). */
export function v1Writes(r: CgroupResources): CgroupWrite[] {
  validateResources(r);
  const out: CgroupWrite[] = [];
  if (r.memoryBytes !== undefined && r.memoryBytes > 0) {
    out.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(r.memoryBytes) });
  }
  if (r.cpuPeriod !== undefined) out.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(r.cpuPeriod) });
  if (r.cpuQuota !== undefined) {
    out.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: unlimitedQuota(r.cpuQuota) ? '-1' : String(r.cpuQuota) });
  }
  if (r.cpuShares !== undefined && r.cpuShares > 0) out.push({ controller: 'cpu', file: 'cpu.shares', value: String(r.cpuShares) });
  if (r.pidsLimit !== undefined) {
    out.push({ controller: 'pids', file: 'pids.max', value: r.pidsLimit > 0 ? String(r.pidsLimit) : 'max' });
  }
  for (const d of r.devices ?? []) {
    out.push({ controller: 'devices', file: d.allow ? 'devices.allow' : 'devices.deny', value: deviceRuleLine(d) });
  }
  return out;
}

/** v2Writes lists the v2 files to write: memory.max, cpu.max, cpu.weight, pids.max. */
export function v2Writes(r: CgroupResources): CgroupWrite[] {
  validateResources(r);
  const out: CgroupWrite[] = [];
  if (r.memoryBytes !== undefined && r.memoryBytes > 0) {
    out.push({ controller: 'memory', file: 'memory.max', value: String(r.memoryBytes) });
  }
  if (r.cpuQuota !== undefined || r.cpuPeriod !== undefined) {
    const quota = unlimitedQuota(r.cpuQuota) ? 'max' : String(r.cpuQuota);
    out.push({ controller: 'cpu', file: 'cpu.max', value: r.cpuPeriod !== undefined ? `${quota} ${r.cpuPeriod}` : quota });
  }
  if (r.cpuShares !== undefined && r.cpuShares > 0) {
    out.push({ controller: 'cpu', file: 'cpu.weight', value: String(sharesToWeight(r.cpuShares)) });
  }
  if (r.pidsLimit !== undefined) {
    out.push({ controller: 'pids', file: 'pids.max', value: r.pidsLimit > 0 ? String(r.pidsLimit) : 'max' });
  }
  return out;
}

/** parseLimit reads a limit file's content: a number, or "max" (v2) meaning unlimited. */
export function parseLimit(text: string): number {
  const t = text.trim();
  if (t === 'max') return UNLIMITED_BYTES;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new RangeError(`not a cgroup number: "${t}"`);
  return n >= UNLIMITED_BYTES ? UNLIMITED_BYTES : n;
}

/** parseKeyed reads a flat keyed file (`oom_kill 3\nunder_oom 0`) into a map of numbers. */
export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    out.set(line.slice(0, sp), Number(line.slice(sp + 1).trim()));
  }
  return out;
}

/** parseProcs reads cgroup.procs into pids. */
export function parseProcs(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (line !== '') out.push(Number(line));
  }
  return out;
}
