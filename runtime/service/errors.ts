/**
 * errors.ts: the runtime service's errors, each with a stable FLT_ERR_RUNTIME_* code and the
 * gRPC status it travels as. toGrpcError is the one place any thrown value becomes a status.
 */
import { GrpcCode, GrpcError } from '../../grpc/status.js';

/** RUNTIME_ERRORS maps each stable code to its gRPC status and a one-line meaning. */
export const RUNTIME_ERRORS = {
  FLT_ERR_RUNTIME_NOT_FOUND: { status: GrpcCode.NOT_FOUND, doc: 'no sandbox, container or image by that id' },
  FLT_ERR_RUNTIME_INVALID: { status: GrpcCode.INVALID_ARGUMENT, doc: 'a request field is missing or malformed' },
  FLT_ERR_RUNTIME_EXISTS: { status: GrpcCode.ALREADY_EXISTS, doc: 'a sandbox or container by that name already exists' },
  FLT_ERR_RUNTIME_STATE: { status: GrpcCode.FAILED_PRECONDITION, doc: 'the object is not in a state that allows this call' },
  FLT_ERR_RUNTIME_TIMEOUT: { status: GrpcCode.DEADLINE_EXCEEDED, doc: 'an operation did not finish in its time' },
  FLT_ERR_RUNTIME_INTERNAL: { status: GrpcCode.INTERNAL, doc: 'a fault inside the runtime (kernel, filesystem, shim)' },
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
const FOREIGN_CODES: Record<string, GrpcCode> = {
  FLT_ERR_IMAGE_NOT_FOUND: GrpcCode.NOT_FOUND,
  FLT_ERR_IMAGE_REFERENCE: GrpcCode.INVALID_ARGUMENT,
  FLT_ERR_IMAGE_IN_USE: GrpcCode.FAILED_PRECONDITION,
  FLT_ERR_IMAGE_DIGEST_MISMATCH: GrpcCode.DATA_LOSS,
  FLT_ERR_IMAGE_REGISTRY: GrpcCode.UNAVAILABLE,
  FLT_ERR_IMAGE_AUTH: GrpcCode.PERMISSION_DENIED,
  FLT_ERR_IMAGE_PLATFORM: GrpcCode.FAILED_PRECONDITION,
  FLT_ERR_IMAGE_FORMAT: GrpcCode.INVALID_ARGUMENT,
  FLT_ERR_IMAGE_UNSUPPORTED: GrpcCode.UNIMPLEMENTED,
  FLT_ERR_NET_CIDR: GrpcCode.INVALID_ARGUMENT,
  FLT_ERR_NET_NO_CIDR: GrpcCode.FAILED_PRECONDITION,
  FLT_ERR_IPAM_EXHAUSTED: GrpcCode.RESOURCE_EXHAUSTED,
  FLT_ERR_OCI_SPEC: GrpcCode.INVALID_ARGUMENT,
  FLT_ERR_OCI_NOT_FOUND: GrpcCode.NOT_FOUND,
  FLT_ERR_OCI_STATE: GrpcCode.FAILED_PRECONDITION,
  FLT_ERR_OCI_TIMEOUT: GrpcCode.DEADLINE_EXCEEDED,
  FLT_ERR_SHIM_TIMEOUT: GrpcCode.DEADLINE_EXCEEDED,
};

/** grpcStatusOf picks the gRPC status for any thrown value (INTERNAL when nothing better is known). */
export function grpcStatusOf(err: unknown): GrpcCode {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code in RUNTIME_ERRORS) return RUNTIME_ERRORS[code as RuntimeErrorCode].status;
    if (code in FOREIGN_CODES) return FOREIGN_CODES[code]!;
  }
  return GrpcCode.INTERNAL;
}

/** toGrpcError turns a thrown value into the status the call ends with: its message, never its stack. */
export function toGrpcError(err: unknown): GrpcError {
  const message = err instanceof Error ? err.message : String(err);
  return new GrpcError(grpcStatusOf(err), message);
}
