/**
 * Taints and tolerations, as Kubernetes matches them: a toleration with an empty key and operator
 * Exists tolerates everything; an empty effect matches every effect; operator Equal (the default)
 * compares values. Pure functions, shared by the TaintToleration and NodeUnschedulable plugins.
 */
import type { Taint, Toleration } from '../api/types.js';

/** tolerates tells whether one toleration matches one taint. */
export function tolerates(t: Readonly<Toleration>, taint: Readonly<Taint>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** toleratesTaint tells whether any of a pod's tolerations matches the taint. */
export function toleratesTaint(tolerations: readonly Readonly<Toleration>[] | undefined, taint: Readonly<Taint>): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (tolerates(t, taint)) return true;
  return false;
}

/** firstUntolerated gives the first taint no toleration matches, or undefined when the pod tolerates them all. */
export function firstUntolerated(taints: readonly Readonly<Taint>[], tolerations: readonly Readonly<Toleration>[] | undefined): Readonly<Taint> | undefined {
  for (const taint of taints) if (!toleratesTaint(tolerations, taint)) return taint;
  return undefined;
}

/** countUntolerated counts the taints that no toleration matches (for PreferNoSchedule scoring). */
export function countUntolerated(taints: readonly Readonly<Taint>[], tolerations: readonly Readonly<Toleration>[] | undefined): number {
  let n = 0;
  for (const taint of taints) if (!toleratesTaint(tolerations, taint)) n++;
  return n;
}
