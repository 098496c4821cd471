/**
 * detect: which cgroup layout this host runs, read once from /proc/self/mountinfo. v2 when
 * /sys/fs/cgroup itself is cgroup2; otherwise v1, one hierarchy per mount (a hybrid host's
 * /sys/fs/cgroup/unified, with no controllers that matter, is ignored).
 */
import { readFileSync } from 'node:fs';
import { CgroupError } from './errors.js';
import type { CgroupManager, V1Hierarchy } from './types.js';
import { CgroupV1Manager } from './v1.js';
import { CgroupV2Manager } from './v2.js';

/** CgroupLayout is the result of detection: the v2 root, or the v1 hierarchies. */
export type CgroupLayout = { version: 2; root: string } | { version: 1; hierarchies: V1Hierarchy[] };

function unescapeMount(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** parseCgroupLayout decides the layout from the text of a mountinfo file (pure, for tests). */
export function parseCgroupLayout(mountinfo: string, cgroupRoot = '/sys/fs/cgroup'): CgroupLayout {
  const hierarchies: V1Hierarchy[] = [];
  let v2Root: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountPoint = unescapeMount(pre[4] ?? '');
    if (fstype === 'cgroup2' && mountPoint === cgroupRoot) v2Root = mountPoint;
    if (fstype !== 'cgroup') continue;
    const superOpts = (post[2] ?? '').split(',');
    const controllers = superOpts.filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent=') && o !== 'xattr' && o !== 'clone_children' && o !== 'noprefix' && o !== 'cpuset_v2_mode');
    if (controllers.length > 0 && !hierarchies.some((h) => h.mountPoint === mountPoint)) {
      hierarchies.push({ mountPoint, controllers });
    }
  }
  if (v2Root) return { version: 2, root: v2Root };
  if (hierarchies.length > 0) return { version: 1, hierarchies };
  throw new CgroupError('FLT_ERR_CGROUP_LAYOUT', `no cgroup v1 hierarchy and no cgroup2 at ${cgroupRoot} in mountinfo`);
}

/** detectCgroupLayout reads this process's mountinfo and decides the layout. */
export function detectCgroupLayout(): CgroupLayout {
  return parseCgroupLayout(readFileSync('/proc/self/mountinfo', 'utf8'));
}

let cached: CgroupManager | undefined;

/** createCgroupManager returns the backend for this host, detected once per process. */
export function createCgroupManager(): CgroupManager {
  if (cached) return cached;
  const layout = detectCgroupLayout();
  cached = layout.version === 2 ? new CgroupV2Manager(layout.root) : new CgroupV1Manager(layout.hierarchies);
  return cached;
}
