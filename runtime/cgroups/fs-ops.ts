/**
 * The cgroupfs operations both backends share: write a limit with a clear error, list and
 * kill the tasks of a subtree, and remove a subtree bottom-up while it drains.
 */
import { closeSync, openSync, readdirSync, readFileSync, rmdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupError } from './errors.js';
import { parseProcs } from './resources.js';

/** writeCgroupFile writes one value and turns the kernel's refusal into a CgroupError naming the file. */
export function writeCgroupFile(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CgroupError('FLT_ERR_CGROUP_WRITE', `write "${value}" to ${file}: ${e.code ?? e.message}`, { cause: err });
  }
}

/**
 * writeCgroupValues writes each value with its own write() through one open file, as the
 * kernel takes one rule per write (devices.allow): one open and close for a whole list.
 */
export function writeCgroupValues(file: string, values: string[]): void {
  if (values.length === 1) return writeCgroupFile(file, values[0]!);
  let fd: number | undefined;
  let current = '';
  try {
    fd = openSync(file, 'w');
    for (const v of values) {
      current = v;
      writeSync(fd, v);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CgroupError('FLT_ERR_CGROUP_WRITE', `write "${current}" to ${file}: ${e.code ?? e.message}`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** applyWrites writes a list of (file, value) pairs, batching consecutive values for the same file. */
export function applyWrites(writes: { path: string; value: string }[]): void {
  for (let i = 0; i < writes.length; ) {
    let j = i + 1;
    while (j < writes.length && writes[j]!.path === writes[i]!.path) j++;
    writeCgroupValues(writes[i]!.path, writes.slice(i, j).map((w) => w.value));
    i = j;
  }
}

/** readCgroupFile reads one interface file, or returns undefined when it does not exist. */
export function readCgroupFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function childDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** subtreePids lists the tasks of a cgroup directory and of all its descendants. */
export function subtreePids(dir: string): number[] {
  const own = readCgroupFile(join(dir, 'cgroup.procs'));
  if (own === undefined) return [];
  const pids = parseProcs(own);
  for (const child of childDirs(dir)) pids.push(...subtreePids(child));
  return pids;
}

/** killSubtree sends SIGKILL to every task under dir, re-reading a few times to catch forks. */
export function killSubtree(dir: string): void {
  for (let pass = 0; pass < 4; pass++) {
    const pids = subtreePids(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ESRCH: it exited between the read and the kill.
      }
    }
  }
}

const sleep1 = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * removeSubtree rmdirs dir after its children; EBUSY means children or tasks remain, so it
 * removes the children and retries every millisecond until the deadline.
 */
export async function removeSubtree(dir: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY') {
        throw new CgroupError('FLT_ERR_CGROUP_BUSY', `remove cgroup ${dir}: ${code ?? String(err)}`, { cause: err });
      }
    }
    const kids = childDirs(dir);
    for (const child of kids) await removeSubtree(child, deadline);
    if (Date.now() >= deadline) {
      const pids = subtreePids(dir);
      throw new CgroupError(
        'FLT_ERR_CGROUP_BUSY',
        `cgroup ${dir} stayed busy` + (pids.length ? ` with tasks ${pids.slice(0, 8).join(', ')}` : ''),
      );
    }
    if (kids.length === 0) await sleep1();
  }
}
