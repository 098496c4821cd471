/**
 * step-timer.ts: measures the steps of one RPC (namespaces, cgroup, network, rootfs, shim...)
 * and, when FLOTILLA_RUNTIME_TRACE=1, logs them on one line, so the slow step is visible
 * without a profiler.
 */

/** TRACE_ENABLED is true when FLOTILLA_RUNTIME_TRACE=1 is set in the runtime's environment. */
export const TRACE_ENABLED = process.env.FLOTILLA_RUNTIME_TRACE === '1';

/** StepTimer records named durations since the previous mark. */
export class StepTimer {
  // Untraced, `performance` is never touched: its first use loads perf_hooks during the first pod.
  private last = TRACE_ENABLED ? performance.now() : 0;
  private readonly start = this.last;
  private readonly steps: string[] = [];

  constructor(private readonly what: string) {}

  /** mark closes the current step under `name`. */
  mark(name: string): void {
    if (!TRACE_ENABLED) return;
    const now = performance.now();
    this.steps.push(`${name} ${(now - this.last).toFixed(1)}`);
    this.last = now;
  }

  /** done logs the steps and the total through `log` (only when tracing). */
  done(log: (m: string) => void): void {
    if (!TRACE_ENABLED) return;
    log(`trace ${this.what}: ${this.steps.join(', ')} = ${(performance.now() - this.start).toFixed(1)} ms`);
  }
}
