/** The exec probe: runs a command in the container through the runtime's ExecSync; exit 0 passes. */
import type { ExecAction } from '../../api/types.js';
import type { RuntimeClient } from '../../runtime/client.js';
import type { ProbeOutcome } from './tcp-socket.js';

/** execProbe runs the command with the probe's timeout; a non-zero exit or a failed call fails. */
export async function execProbe(runtime: RuntimeClient, containerId: string, action: Readonly<ExecAction>, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    const r = await runtime.execSync({ containerId, cmd: [...action.command], timeout: Math.max(1, Math.ceil(timeoutMs / 1000)) });
    if (r.exitCode === 0) return { ok: true, message: '' };
    const out = Buffer.from(r.stdout ?? '').toString('utf8') + Buffer.from(r.stderr ?? '').toString('utf8');
    return { ok: false, message: `command ${JSON.stringify(action.command)} exited with ${r.exitCode}${out.trim() ? `: ${out.trim().slice(0, 200)}` : ''}` };
  } catch (e) {
    return { ok: false, message: `exec of ${JSON.stringify(action.command)} failed: ${(e as Error).message}` };
  }
}
