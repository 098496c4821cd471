/**
 * ageOf: the AGE cells of server-side tables, in kubectl's format (api/human-duration.ts).
 */
import { humanDuration } from '../../api/human-duration.js';

/** ageOf is the AGE cell of a timestamp ("<unknown>" when absent). */
export function ageOf(timestamp: string | undefined | null, nowMs: number): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(nowMs - t);
}
