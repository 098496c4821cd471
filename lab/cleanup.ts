/**
 * Safety nets for `lab down`: unmount whatever is still mounted under the lab's data dir (deepest
 * first) and remove the lab's cgroup subtree in every hierarchy (v1) or the unified one (v2).
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';

/** unmountUnder lazily unmounts every mount point below dir, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(prefix)))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p], { allowFail: true });
}

function cgroupRoots(): string[] {
  const base = '/sys/fs/cgroup';
  if (existsSync(join(base, 'cgroup.controllers'))) return [base];
  return readdirSync(base)
    .map((d) => join(base, d))
    .filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    });
}

function rmdirTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) rmdirTree(join(dir, entry.name));
  }
  rmdirSync(dir);
}

/** removeCgroupTree removes `<root>/<name>` and its children in every cgroup hierarchy; errors name the dir. */
export async function removeCgroupTree(name: string): Promise<void> {
  const failed: string[] = [];
  for (const root of cgroupRoots()) {
    const dir = join(root, name);
    if (!existsSync(dir)) continue;
    try {
      rmdirTree(dir);
    } catch (err) {
      failed.push(`${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  if (failed.length) throw new Error(`could not remove cgroups (processes still inside?): ${failed.join(', ')}`);
}
