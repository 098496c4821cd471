/** diskUsage measures what directory trees take on disk, for the CRI's ImageFsInfo. */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** diskUsage sums allocated bytes and counts inodes under the given roots, each hardlinked inode once. */
export async function diskUsage(roots: string[]): Promise<{ usedBytes: number; inodesUsed: number }> {
  const seen = new Set<string>();
  let usedBytes = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await fsp.lstat(p).catch(() => undefined);
    if (!st) return;
    const key = `${st.dev}:${st.ino}`;
    if (!seen.has(key)) {
      seen.add(key);
      usedBytes += st.blocks * 512;
    }
    if (!st.isDirectory()) return;
    const names = await fsp.readdir(p).catch(() => [] as string[]);
    for (const n of names) await walk(path.join(p, n));
  };
  for (const r of roots) await walk(r);
  return { usedBytes, inodesUsed: seen.size };
}
