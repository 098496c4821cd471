/**
 * status.ts: how a gRPC call's outcome travels (PROTOCOL-HTTP2.md): `grpc-status` with one of
 * grpc's codes and `grpc-message`, percent-encoded UTF-8, in the trailers (or in the headers of
 * a trailers-only answer). Both our client and our server read and write them here.
 */
import type { IncomingHttpHeaders } from 'node:http2';

/**
 * GrpcCode is gRPC's status codes (doc/statuscodes.md), the same numbers and names as grpc-js's
 * `status`, defined here so that our ends (the runtime above all) need not load grpc-js for them.
 */
export enum GrpcCode {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** GrpcError is a call that ended with a status other than OK: `code` is grpc's, `details` the message. */
export class GrpcError extends Error {
  constructor(
    readonly code: GrpcCode,
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(details || GrpcCode[code] || `gRPC status ${code}`, options);
    this.name = 'GrpcError';
  }
}

// Bytes a grpc-message carries as they are: printable ASCII but '%'.
const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;

/** encodeGrpcMessage percent-encodes `text` as a grpc-message value. */
export function encodeGrpcMessage(text: string): string {
  if (PLAIN.test(text)) return text;
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
  }
  return out;
}

/** decodeGrpcMessage reads a grpc-message value; a malformed escape stays as it is, as the spec asks. */
export function decodeGrpcMessage(raw: unknown): string {
  const s = raw === undefined ? '' : String(raw);
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s[i] === '%' ? s.slice(i + 1, i + 3) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** statusHeaders are the headers (or trailers) that end a call with `code` and `details`. */
export function statusHeaders(code: GrpcCode, details = ''): Record<string, string> {
  return details ? { 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(details) } : { 'grpc-status': String(code) };
}

/** readStatus is the call's outcome from headers or trailers, or undefined when they carry none. */
export function readStatus(h: IncomingHttpHeaders): { code: GrpcCode; details: string } | undefined {
  const raw = h['grpc-status'];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  return { code: Number.isInteger(code) && code >= 0 ? code : GrpcCode.UNKNOWN, details: decodeGrpcMessage(h['grpc-message']) };
}

/** statusOfHttp is the status of an answer that is not gRPC's (no grpc-status), from its HTTP status, as the spec maps it. */
export function statusOfHttp(httpStatus: number): GrpcCode {
  switch (httpStatus) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}
