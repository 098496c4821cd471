/**
 * deadline.ts: the `grpc-timeout` header, by which a client tells the server how long the call
 * may take: at most 8 digits and a unit (H, M, S, m, u, n).
 */

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
const MAX_VALUE = 99_999_999;

/** encodeGrpcTimeout writes `ms` (rounded up) in the finest unit that fits in 8 digits. */
export function encodeGrpcTimeout(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole <= MAX_VALUE) return `${whole}m`;
  for (const unit of ['S', 'M', 'H']) {
    const v = Math.ceil(whole / UNIT_MS[unit]!);
    if (v <= MAX_VALUE) return `${v}${unit}`;
  }
  return `${MAX_VALUE}H`;
}

/** parseGrpcTimeout reads a grpc-timeout value as milliseconds; undefined when absent or malformed. */
export function parseGrpcTimeout(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(raw);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}
