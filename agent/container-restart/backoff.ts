/**
 * Crash-loop backoff, as a pure function of what the runtime remembers. Each container carries
 * (in an annotation) the delay that applies after it exits; the next attempt's delay doubles from
 * the base to the cap, and falls back to the base once an attempt has run long enough. The first
 * restart is immediate, then 10 s, 20 s, 40 s … 5 min, as the kubelet does. Because the delay lives
 * on the container, an agent restart neither forgets nor resets a crash loop.
 */

/** BackoffPolicy holds the three numbers of the crash-loop backoff. */
export interface BackoffPolicy {
  /** First non-zero delay (Kubernetes: 10 s). */
  baseMs: number;
  /** Cap of the doubling (Kubernetes: 5 min). */
  maxMs: number;
  /** An attempt that ran this long resets the doubling (Kubernetes: 10 min). */
  resetAfterMs: number;
}

/** DEFAULT_BACKOFF is the kubelet's policy: 10 s doubling to 5 min, reset after 10 min of running. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** RestartTiming is when the next attempt may start and which delay it will carry. */
export interface RestartTiming {
  /** Milliseconds after the exit before the next attempt may be created. */
  waitMs: number;
  /** The delay to record on the next attempt (applies after it exits). */
  nextDelayMs: number;
}

/**
 * restartTiming computes the wait before restarting a container that exited, given the delay it
 * carried (0 for a first attempt) and how long it ran.
 */
export function restartTiming(carriedDelayMs: number, ranForMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): RestartTiming {
  if (ranForMs >= policy.resetAfterMs) return { waitMs: 0, nextDelayMs: policy.baseMs };
  const carried = Math.max(0, Math.min(carriedDelayMs, policy.maxMs));
  const nextDelayMs = carried === 0 ? policy.baseMs : Math.min(carried * 2, policy.maxMs);
  return { waitMs: carried, nextDelayMs };
}

/** backoffPolicyFromEnv reads FLOTILLA_AGENT_BACKOFF_BASE_MS (tests and demos only) over the defaults. */
export function backoffPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): BackoffPolicy {
  const raw = env.FLOTILLA_AGENT_BACKOFF_BASE_MS;
  if (!raw) return DEFAULT_BACKOFF;
  const base = Number(raw);
  if (!Number.isInteger(base) || base < 0) throw new Error(`FLOTILLA_AGENT_BACKOFF_BASE_MS: "${raw}" is not a whole number of milliseconds`);
  return { ...DEFAULT_BACKOFF, baseMs: base };
}
