/**
 * The API's error registry: one class per kind of failure, each with a stable FLT_ERR_* code, the
 * HTTP status it maps to and the Kubernetes `reason`. The server turns any of them into a meta/v1
 * Status in one place (statusFromError); the client turns a Status back into one (errorFromStatus).
 */
import type { Status, StatusCause } from './types.js';

/** ERROR_CODES documents every code this module can produce, with its HTTP status and reason. */
export const ERROR_CODES = {
  FLT_ERR_API_BAD_REQUEST: { http: 400, reason: 'BadRequest', doc: 'the request is malformed (body, query, selector)' },
  FLT_ERR_API_UNAUTHORIZED: { http: 401, reason: 'Unauthorized', doc: 'no bearer token, or not a valid one' },
  FLT_ERR_API_FORBIDDEN: { http: 403, reason: 'Forbidden', doc: 'the token may not do this' },
  FLT_ERR_API_NOT_FOUND: { http: 404, reason: 'NotFound', doc: 'the object or the path does not exist' },
  FLT_ERR_API_METHOD_NOT_ALLOWED: { http: 405, reason: 'MethodNotAllowed', doc: 'the path does not support this verb' },
  FLT_ERR_API_NOT_ACCEPTABLE: { http: 406, reason: 'NotAcceptable', doc: 'no representation matches Accept' },
  FLT_ERR_API_ALREADY_EXISTS: { http: 409, reason: 'AlreadyExists', doc: 'an object with this name exists' },
  FLT_ERR_API_CONFLICT: { http: 409, reason: 'Conflict', doc: 'stale resourceVersion, or the pod is already bound' },
  FLT_ERR_API_GONE: { http: 410, reason: 'Expired', doc: 'the resourceVersion is compacted; relist' },
  FLT_ERR_API_TOO_LARGE: { http: 413, reason: 'RequestEntityTooLarge', doc: 'the body is over the limit (3 MiB)' },
  FLT_ERR_API_UNSUPPORTED_MEDIA_TYPE: { http: 415, reason: 'UnsupportedMediaType', doc: 'the Content-Type is not served' },
  FLT_ERR_API_INVALID: { http: 422, reason: 'Invalid', doc: 'the object fails validation; causes carry field paths' },
  FLT_ERR_API_INTERNAL: { http: 500, reason: 'InternalError', doc: 'a fault of the server, not of the request' },
  FLT_ERR_API_UNAVAILABLE: { http: 503, reason: 'ServiceUnavailable', doc: 'a backend (etcd, a node agent) cannot be reached' },
  FLT_ERR_API_TIMEOUT: { http: 504, reason: 'Timeout', doc: 'the server gave up waiting' },
  FLT_ERR_QUANTITY_INVALID: { http: 422, reason: 'Invalid', doc: 'a resource quantity does not parse (e.g. "12x")' },
  FLT_ERR_SELECTOR_INVALID: { http: 400, reason: 'BadRequest', doc: 'a label or field selector does not parse' },
} as const;

/** ErrorCode is one key of ERROR_CODES. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** StatusDetails is the `details` member of a Status. */
export type StatusDetails = NonNullable<Status['details']>;

/** ApiError is the base of every error the API reports; `httpStatus` and `reason` go into the Status. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly reason: string;
  readonly details?: StatusDetails;
  constructor(code: ErrorCode, message: string, details?: StatusDetails, options?: { cause?: unknown; httpStatus?: number; reason?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = options?.httpStatus ?? ERROR_CODES[code].http;
    this.reason = options?.reason ?? ERROR_CODES[code].reason;
    if (details) this.details = details;
  }
}

/** BadRequestError is a malformed request: bad JSON/YAML, bad query parameter, kind/path mismatch. */
export class BadRequestError extends ApiError {
  constructor(message: string, details?: StatusDetails, options?: { cause?: unknown }) {
    super('FLT_ERR_API_BAD_REQUEST', message, details, options);
  }
}

/** UnauthorizedError is a missing or wrong bearer token. */
export class UnauthorizedError extends ApiError {
  constructor(message = 'Unauthorized') {
    super('FLT_ERR_API_UNAUTHORIZED', message);
  }
}

/** ForbiddenError is a valid token that may not do what it asked. */
export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super('FLT_ERR_API_FORBIDDEN', message);
  }
}

/** NotFoundError is a missing object (`pods "x" not found`) or an unknown path. */
export class NotFoundError extends ApiError {
  constructor(message: string, details?: StatusDetails) {
    super('FLT_ERR_API_NOT_FOUND', message, details);
  }
  /** NotFoundError.object builds the Kubernetes-worded error for one missing object. */
  static object(plural: string, name: string, group = ''): NotFoundError {
    const what = group ? `${plural}.${group}` : plural;
    return new NotFoundError(`${what} "${name}" not found`, { name, group, kind: plural });
  }
}

/** MethodNotAllowedError is a verb the path does not serve. */
export class MethodNotAllowedError extends ApiError {
  constructor(message: string) {
    super('FLT_ERR_API_METHOD_NOT_ALLOWED', message);
  }
}

/** NotAcceptableError is an Accept header the server cannot satisfy. */
export class NotAcceptableError extends ApiError {
  constructor(message: string) {
    super('FLT_ERR_API_NOT_ACCEPTABLE', message);
  }
}

/** AlreadyExistsError is a create of a name that is taken. */
export class AlreadyExistsError extends ApiError {
  constructor(plural: string, name: string, group = '') {
    const what = group ? `${plural}.${group}` : plural;
    super('FLT_ERR_API_ALREADY_EXISTS', `${what} "${name}" already exists`, { name, group, kind: plural });
  }
}

/** ConflictError is a write with a stale resourceVersion, or a binding of a bound pod. */
export class ConflictError extends ApiError {
  constructor(message: string, details?: StatusDetails) {
    super('FLT_ERR_API_CONFLICT', message, details);
  }
}

/** GoneError is a watch or list from a compacted revision; the client must relist. */
export class GoneError extends ApiError {
  constructor(message: string) {
    super('FLT_ERR_API_GONE', message);
  }
}

/** RequestTooLargeError is a body over the server's limit. */
export class RequestTooLargeError extends ApiError {
  constructor(message: string) {
    super('FLT_ERR_API_TOO_LARGE', message);
  }
}

/** UnsupportedMediaTypeError is a Content-Type the server does not decode. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) {
    super('FLT_ERR_API_UNSUPPORTED_MEDIA_TYPE', message);
  }
}

/** InvalidError is an object that fails validation; each cause names a field path. */
export class InvalidError extends ApiError {
  readonly causes: StatusCause[];
  constructor(kind: string, name: string, causes: StatusCause[], group = '') {
    const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : String(c.message))).join(', ');
    super('FLT_ERR_API_INVALID', `${kind} "${name}" is invalid: ${list}`, { name, group, kind, causes });
    this.causes = causes;
  }
}

/** InternalError is a server fault; its message never carries a stack. */
export class InternalError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FLT_ERR_API_INTERNAL', message, undefined, options);
  }
}

/** ServiceUnavailableError is a backend that cannot be reached: etcd, or a node agent for logs. */
export class ServiceUnavailableError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FLT_ERR_API_UNAVAILABLE', message, undefined, options);
  }
}

/** TimeoutError is a request the server stopped waiting for. */
export class TimeoutError extends ApiError {
  constructor(message: string) {
    super('FLT_ERR_API_TIMEOUT', message);
  }
}

/** QuantityError is a resource quantity that does not parse ("12x", "1.2.3", "-"). */
export class QuantityError extends ApiError {
  readonly input: string;
  constructor(input: string, why: string) {
    super('FLT_ERR_QUANTITY_INVALID', `quantity "${input}" is invalid: ${why}`);
    this.input = input;
  }
}

/** SelectorError is a label or field selector that does not parse or names an unsupported field. */
export class SelectorError extends ApiError {
  constructor(message: string) {
    super('FLT_ERR_SELECTOR_INVALID', message);
  }
}

/**
 * statusFromError builds the meta/v1 Status for any thrown value. ApiErrors keep their code, reason
 * and details; anything else is a 500 whose message is only the error's message (no stack).
 */
export function statusFromError(err: unknown): Status {
  if (err instanceof ApiError) {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: err.message,
      reason: err.reason,
      code: err.httpStatus,
    };
    if (err.details) s.details = err.details;
    return s;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error: ${message}`, reason: 'InternalError', code: 500 };
}

const REASON_TO_CODE: Record<string, ErrorCode> = {
  BadRequest: 'FLT_ERR_API_BAD_REQUEST',
  Unauthorized: 'FLT_ERR_API_UNAUTHORIZED',
  Forbidden: 'FLT_ERR_API_FORBIDDEN',
  NotFound: 'FLT_ERR_API_NOT_FOUND',
  MethodNotAllowed: 'FLT_ERR_API_METHOD_NOT_ALLOWED',
  NotAcceptable: 'FLT_ERR_API_NOT_ACCEPTABLE',
  AlreadyExists: 'FLT_ERR_API_ALREADY_EXISTS',
  Conflict: 'FLT_ERR_API_CONFLICT',
  Expired: 'FLT_ERR_API_GONE',
  Gone: 'FLT_ERR_API_GONE',
  RequestEntityTooLarge: 'FLT_ERR_API_TOO_LARGE',
  UnsupportedMediaType: 'FLT_ERR_API_UNSUPPORTED_MEDIA_TYPE',
  Invalid: 'FLT_ERR_API_INVALID',
  InternalError: 'FLT_ERR_API_INTERNAL',
  ServiceUnavailable: 'FLT_ERR_API_UNAVAILABLE',
  Timeout: 'FLT_ERR_API_TIMEOUT',
};

const HTTP_TO_CODE: Record<number, ErrorCode> = {
  400: 'FLT_ERR_API_BAD_REQUEST', 401: 'FLT_ERR_API_UNAUTHORIZED', 403: 'FLT_ERR_API_FORBIDDEN', 404: 'FLT_ERR_API_NOT_FOUND',
  405: 'FLT_ERR_API_METHOD_NOT_ALLOWED', 406: 'FLT_ERR_API_NOT_ACCEPTABLE', 409: 'FLT_ERR_API_CONFLICT', 410: 'FLT_ERR_API_GONE',
  413: 'FLT_ERR_API_TOO_LARGE', 415: 'FLT_ERR_API_UNSUPPORTED_MEDIA_TYPE', 422: 'FLT_ERR_API_INVALID', 503: 'FLT_ERR_API_UNAVAILABLE',
  504: 'FLT_ERR_API_TIMEOUT',
};

/** errorFromStatus turns a Status received by a client back into an ApiError with the same code and reason. */
export function errorFromStatus(status: Partial<Status>, httpStatus?: number): ApiError {
  const http = status.code ?? httpStatus ?? 500;
  const code = (status.reason && REASON_TO_CODE[status.reason]) || HTTP_TO_CODE[http] || 'FLT_ERR_API_INTERNAL';
  return new ApiError(code, status.message ?? `HTTP ${http}`, status.details, { httpStatus: http, reason: status.reason ?? ERROR_CODES[code].reason });
}

/** isStatus tells whether a decoded JSON body is a meta/v1 Status. */
export function isStatus(v: unknown): v is Status {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status';
}
