/**
 * errors.ts: the runtime service's errors, each with a stable FLT_ERR_RUNTIME_* code and the
 * gRPC status it travels as. toGrpcError is the one place any thrown value becomes a status.
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcError } from '../../grpc/status.js';

/** RUNTIME_ERRORS maps each stable code to its gRPC status and a one-line meaning. */
export const RUNTIME_ERRORS = {
  FLT_ERR_RUNTIME_NOT_FOUND: { status: grpc.status.NOT_FOUND, doc: 'no sandbox, container or image by that id' },
  FLT_ERR_RUNTIME_INVALID: { status: grpc.status.INVALID_ARGUMENT, doc: 'a request field is missing or malformed' },
  FLT_ERR_RUNTIME_EXISTS: { status: grpc.status.ALREADY_EXISTS, doc: 'a sandbox or container by that name already exists' },
  FLT_ERR_RUNTIME_STATE: { status: grpc.status.FAILED_PRECONDITION, doc: 'the object is not in a state that allows this call' },
  FLT_ERR_RUNTIME_TIMEOUT: { status: grpc.status.DEADLINE_EXCEEDED, doc: 'an operation did not finish in its time' },
  FLT_ERR_RUNTIME_INTERNAL: { status: grpc.status.INTERNAL, doc: 'a fault inside the runtime (kernel, filesystem, shim)' },
} as const;

/** RuntimeErrorCode is a stable code of the runtime service. */
export type RuntimeErrorCode = keyof typeof RUNTIME_ERRORS;

/** RuntimeServiceError is a failure the service reports to its caller with a clear message. */
export class RuntimeServiceError extends Error {
  readonly code: RuntimeErrorCode;
  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeServiceError';
    this.code = code;
  }
}

/** notFound builds the NOT_FOUND error for a missing object. */
export function notFound(kind: string, id: string): RuntimeServiceError {
  return new RuntimeServiceError('FLT_ERR_RUNTIME_NOT_FOUND', `${kind} "${id}" not found`);
}

/** invalid builds the INVALID_ARGUMENT error naming the field. */
export function invalid(field: string, problem: string): RuntimeServiceError {
  return new RuntimeServiceError('FLT_ERR_RUNTIME_INVALID', `${field}: ${problem}`);
}

/** Codes other modules raise that mean "the caller asked for something wrong", not a fault. */
const FOREIGN_CODES: Record<string, grpc.status> = {
  FLT_ERR_IMAGE_NOT_FOUND: grpc.status.NOT_FOUND,
  FLT_ERR_IMAGE_REFERENCE: grpc.status.INVALID_ARGUMENT,
  FLT_ERR_IMAGE_IN_USE: grpc.status.FAILED_PRECONDITION,
  FLT_ERR_IMAGE_DIGEST_MISMATCH: grpc.status.DATA_LOSS,
  FLT_ERR_IMAGE_REGISTRY: grpc.status.UNAVAILABLE,
  FLT_ERR_IMAGE_AUTH: grpc.status.PERMISSION_DENIED,
  FLT_ERR_IMAGE_PLATFORM: grpc.status.FAILED_PRECONDITION,
  FLT_ERR_IMAGE_FORMAT: grpc.status.INVALID_ARGUMENT,
  FLT_ERR_IMAGE_UNSUPPORTED: grpc.status.UNIMPLEMENTED,
  FLT_ERR_NET_CIDR: grpc.status.INVALID_ARGUMENT,
  FLT_ERR_NET_NO_CIDR: grpc.status.FAILED_PRECONDITION,
  FLT_ERR_IPAM_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  FLT_ERR_OCI_SPEC: grpc.status.INVALID_ARGUMENT,
  FLT_ERR_OCI_NOT_FOUND: grpc.status.NOT_FOUND,
  FLT_ERR_OCI_STATE: grpc.status.FAILED_PRECONDITION,
  FLT_ERR_OCI_TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
  FLT_ERR_SHIM_TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
};

/** grpcStatusOf picks the gRPC status for any thrown value (INTERNAL when nothing better is known). */
export function grpcStatusOf(err: unknown): grpc.status {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code in RUNTIME_ERRORS) return RUNTIME_ERRORS[code as RuntimeErrorCode].status;
    if (code in FOREIGN_CODES) return FOREIGN_CODES[code]!;
  }
  return grpc.status.INTERNAL;
}

/** toGrpcError turns a thrown value into the status the call ends with: its message, never its stack. */
export function toGrpcError(err: unknown): GrpcError {
  const message = err instanceof Error ? err.message : String(err);
  return new GrpcError(grpcStatusOf(err), message);
}
