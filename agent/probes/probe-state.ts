/**
 * The threshold logic of probes, pure: a probe's result flips only after successThreshold
 * consecutive successes or failureThreshold consecutive failures, starting from the kind's initial
 * result (liveness healthy, readiness not ready, startup not started). The prober feeds outcomes in;
 * the pod worker reads results out.
 */
import type { Probe } from '../../api/types.js';

/** ProbeKind names the three probes of a container. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** ProbeSettings are a probe's timings and thresholds with Kubernetes' defaults filled in. */
export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** probeSettings fills in Kubernetes' defaults (period 10 s, timeout 1 s, thresholds 1 and 3). */
export function probeSettings(p: Readonly<Probe>, kind: ProbeKind): ProbeSettings {
  const pos = (v: number | undefined, d: number) => (v !== undefined && v > 0 ? v : d);
  return {
    initialDelayMs: Math.max(0, p.initialDelaySeconds ?? 0) * 1000,
    periodMs: pos(p.periodSeconds, 10) * 1000,
    timeoutMs: pos(p.timeoutSeconds, 1) * 1000,
    // Liveness and startup probes must have successThreshold 1, as in Kubernetes.
    successThreshold: kind === 'readiness' ? pos(p.successThreshold, 1) : 1,
    failureThreshold: pos(p.failureThreshold, 3),
  };
}

/** ProbeState is where a probe stands: its current result and the runs of equal outcomes. */
export interface ProbeState {
  /** true = success (alive / ready / started). */
  result: boolean;
  successes: number;
  failures: number;
}

/** initialProbeState is a probe's state before its first run. */
export function initialProbeState(kind: ProbeKind): ProbeState {
  return { result: kind === 'liveness', successes: 0, failures: 0 };
}

/** recordProbe folds one outcome into the state; the result flips only at a threshold. */
export function recordProbe(state: ProbeState, ok: boolean, s: Pick<ProbeSettings, 'successThreshold' | 'failureThreshold'>): ProbeState {
  const successes = ok ? state.successes + 1 : 0;
  const failures = ok ? 0 : state.failures + 1;
  let result = state.result;
  if (ok && successes >= s.successThreshold) result = true;
  if (!ok && failures >= s.failureThreshold) result = false;
  return { result, successes, failures };
}
