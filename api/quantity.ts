/**
 * Kubernetes resource quantities ("100m", "0.5", "128Mi", "1G", "1e3"), parsed exactly as
 * Kubernetes parses them: a signed decimal number and an optional suffix (binary SI Ki..Ei,
 * decimal SI n u m k M G T P E, or a decimal exponent e/E). Arithmetic is done on bigints so
 * "0.1" is exactly 100 milli-units and "1.5Gi" exactly 1610612736 bytes.
 */
import { QuantityError } from './errors.js';

/** Quantity is a parsed quantity as an exact fraction: value = numerator / denominator (base units). */
export interface Quantity {
  /** The input string, trimmed. */
  readonly text: string;
  readonly numerator: bigint;
  /** Always positive. */
  readonly denominator: bigint;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const NUMBER_RE = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/;

/** parseQuantity parses a quantity string (or a plain JSON number) exactly; throws QuantityError when it is not one. */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? numberText(input) : String(input).trim();
  if (text === '') throw new QuantityError(text, 'empty');
  const m = NUMBER_RE.exec(text);
  if (!m) throw new QuantityError(text, 'not a number');
  const [, sign, intPart = '', fracPart = '', suffix = ''] = m;
  if (intPart === '' && fracPart === '') throw new QuantityError(text, 'no digits before the unit');
  if (m[3] === undefined && text.includes('.')) throw new QuantityError(text, 'misplaced decimal point');
  let numerator = BigInt((intPart || '0') + fracPart);
  let denominator = 10n ** BigInt(fracPart.length);
  if (sign === '-') numerator = -numerator;
  if (suffix in BINARY) {
    numerator *= BINARY[suffix]!;
  } else if (suffix in DECIMAL) {
    const exp = DECIMAL[suffix]!;
    if (exp >= 0) numerator *= 10n ** BigInt(exp);
    else denominator *= 10n ** BigInt(-exp);
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    const exp = Number(suffix.slice(1));
    if (Math.abs(exp) > 30) throw new QuantityError(text, 'exponent out of range');
    if (exp >= 0) numerator *= 10n ** BigInt(exp);
    else denominator *= 10n ** BigInt(-exp);
  } else {
    throw new QuantityError(text, `unknown unit "${suffix}" (use one of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent like e3)`);
  }
  return { text, numerator, denominator };
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(String(n), 'not a finite number');
  return String(n);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

function toSafeNumber(v: bigint, text: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new QuantityError(text, 'too large');
  return Number(v);
}

/** quantityMilli is the value in thousandths, rounded up like Kubernetes' MilliValue ("100m" → 100, "1" → 1000). */
export function quantityMilli(q: Quantity): number {
  return toSafeNumber(ceilDiv(q.numerator * 1000n, q.denominator), q.text);
}

/** quantityValue is the value in base units rounded up like Kubernetes' Value() ("128Mi" → 134217728, "100m" → 1). */
export function quantityValue(q: Quantity): number {
  return toSafeNumber(ceilDiv(q.numerator, q.denominator), q.text);
}

/** parseMilli parses and gives thousandths: the unit for CPU (millicores). */
export function parseMilli(input: string | number): number {
  return quantityMilli(parseQuantity(input));
}

/** parseBytes parses and gives whole base units rounded up: the unit for memory and storage (bytes). */
export function parseBytes(input: string | number): number {
  return quantityValue(parseQuantity(input));
}

/** isNegative tells whether a parsed quantity is below zero (resource requests and limits may not be). */
export function isNegative(q: Quantity): boolean {
  return q.numerator < 0n;
}

/** compareQuantities orders two quantities exactly: -1, 0 or 1. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const l = a.numerator * b.denominator;
  const r = b.numerator * a.denominator;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** formatMilli prints millicores as Kubernetes does: "250m", or "2" when whole. */
export function formatMilli(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** formatBytes prints a byte count with the largest exact binary suffix ("128Mi", "1536Ki", "100"). */
export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0';
  for (const [suffix, mult] of [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes % mult === 0) return `${bytes / mult}${suffix}`;
  }
  return String(bytes);
}
