import type { TestContext } from 'node:test';

/**
 * requireRoot skips a test that needs root (namespaces, cgroups, mounts) when not root,
 * and fails it instead under CI=true, where a skip would hide that it never ran.
 * Returns true when the test may go on.
 */
export function requireRoot(t: TestContext, what = 'namespaces, cgroups and mounts'): boolean {
  if (process.getuid?.() === 0) return true;
  const reason = `needs root for ${what}`;
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true forbids skipping`);
  t.skip(reason);
  return false;
}

/** requireCommand skips (or fails under CI) when a host program a test compares against is missing. */
export async function requireCommand(t: TestContext, cmd: string): Promise<boolean> {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    const reason = `needs ${cmd} on PATH (scripts/setup.sh installs it)`;
    if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true forbids skipping`);
    t.skip(reason);
    return false;
  }
}
