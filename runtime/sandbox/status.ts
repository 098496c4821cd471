/**
 * status.ts: pure decisions about what the service reports: a finished container's reason and
 * exit code, and whether sandboxes and containers match CRI list filters.
 */
import type { ContainerFilter, ContainerState, PodSandboxFilter, PodSandboxState, StringMap } from '../proto/types.js';

/** REASON_OOM, REASON_ERROR, REASON_COMPLETED are CRI's reasons for an exited container. */
export const REASON_OOM = 'OOMKilled';
export const REASON_ERROR = 'Error';
export const REASON_COMPLETED = 'Completed';

/** exitReason gives the reason, the exit code (128+signal when signalled) and a message for an exit. */
export function exitReason(e: { exitCode: number | null; signal: number | null; oomKilled: boolean }): {
  reason: string;
  exitCode: number;
  message: string;
} {
  const exitCode = e.signal !== null && e.signal > 0 ? 128 + e.signal : (e.exitCode ?? 255);
  if (e.oomKilled) return { reason: REASON_OOM, exitCode: exitCode === 0 ? 137 : exitCode, message: 'killed by the kernel OOM killer (memory limit reached)' };
  if (exitCode === 0) return { reason: REASON_COMPLETED, exitCode, message: '' };
  const message = e.signal ? `killed by signal ${e.signal}` : `exited with code ${exitCode}`;
  return { reason: REASON_ERROR, exitCode, message };
}

/** matchLabels is true when every key of the selector has the same value in labels. */
export function matchLabels(labels: StringMap | undefined, selector: StringMap | undefined): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) {
    if ((labels ?? {})[k] !== v) return false;
  }
  return true;
}

/** sandboxMatches applies a PodSandboxFilter (id prefix as crictl allows, state, labels). */
export function sandboxMatches(
  s: { id: string; state: PodSandboxState; labels: StringMap | undefined },
  f: PodSandboxFilter | null | undefined,
): boolean {
  if (!f) return true;
  if (f.id && !s.id.startsWith(f.id)) return false;
  if (f.state && f.state.state !== s.state) return false;
  return matchLabels(s.labels, f.labelSelector);
}

/** containerMatches applies a ContainerFilter (id prefix, state, sandbox id prefix, labels). */
export function containerMatches(
  c: { id: string; sandboxId: string; state: ContainerState; labels: StringMap | undefined },
  f: ContainerFilter | null | undefined,
): boolean {
  if (!f) return true;
  if (f.id && !c.id.startsWith(f.id)) return false;
  if (f.podSandboxId && !c.sandboxId.startsWith(f.podSandboxId)) return false;
  if (f.state && f.state.state !== c.state) return false;
  return matchLabels(c.labels, f.labelSelector);
}

/** containerStateOf maps an OCI status (or its absence) to the CRI container state. */
export function containerStateOf(ociStatus: string | undefined, hasExit: boolean): ContainerState {
  if (hasExit) return 'CONTAINER_EXITED';
  switch (ociStatus) {
    case 'created':
    case 'creating':
      return 'CONTAINER_CREATED';
    case 'running':
      return 'CONTAINER_RUNNING';
    case 'stopped':
      return 'CONTAINER_EXITED';
    default:
      return 'CONTAINER_UNKNOWN';
  }
}

/** uniqueIdPrefix resolves a (possibly shortened) id among known ids: the one match, or why not. */
export function uniqueIdPrefix(ids: Iterable<string>, prefix: string): { id?: string; error?: 'none' | 'ambiguous' } {
  let found: string | undefined;
  for (const id of ids) {
    if (id === prefix) return { id };
    if (id.startsWith(prefix)) {
      if (found) return { error: 'ambiguous' };
      found = id;
    }
  }
  return found ? { id: found } : { error: 'none' };
}
