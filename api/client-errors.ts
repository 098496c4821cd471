/**
 * The errors the API client throws. An answer that is not 2xx becomes a StatusError (an ApiError of
 * api/errors.ts, so `code`, `httpStatus` and `reason` mean what they mean on the server) carrying the
 * server's Status; a failure to reach the server at all becomes a ConnectionError.
 */
import { ApiError, ERROR_CODES, errorFromStatus, isStatus } from './errors.js';
import type { Status } from './types.js';

export { ApiError } from './errors.js';

/** CLIENT_ERROR_CODES documents the codes of failures that happen before the server answers. */
export const CLIENT_ERROR_CODES = {
  FLT_ERR_CLIENT_CONNECT: 'the API server could not be reached (refused, reset, TLS failure, DNS)',
  FLT_ERR_CLIENT_TIMEOUT: 'the API server did not answer within the client timeout',
  FLT_ERR_CLIENT_DECODE: 'the API server answered with a body that is not the JSON expected',
  FLT_ERR_CLIENT_RESOURCE: 'a resource name the client does not know (not in api/resources.ts)',
} as const;

/** ClientErrorCode is one key of CLIENT_ERROR_CODES. */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;

/** StatusError is a non-2xx answer: `status` is the server's Status (or one made from the HTTP code). */
export class StatusError extends ApiError {
  readonly status: Status;
  constructor(status: Status) {
    const base = errorFromStatus(status, status.code);
    super(base.code, base.message, status.details, { httpStatus: base.httpStatus, reason: base.reason });
    this.status = status;
  }
}

/** ClientError is a failure on the client's side of the wire: connect, timeout, undecodable body. */
export class ClientError extends Error {
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
  }
}

const REASON_BY_HTTP: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Expired', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** statusErrorFromBody builds the StatusError for a non-2xx answer from its raw body (a Status, or anything). */
export function statusErrorFromBody(httpStatus: number, body: string): StatusError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isStatus(parsed)) {
    if (!parsed.code) parsed.code = httpStatus;
    return new StatusError(parsed);
  }
  const reason = REASON_BY_HTTP[httpStatus] ?? (httpStatus >= 500 ? 'InternalError' : 'BadRequest');
  const text = body.trim().slice(0, 300);
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: httpStatus, reason,
    message: text ? `the server answered ${httpStatus}: ${text}` : `the server answered ${httpStatus} (${reason})`,
  });
}

/** statusErrorFromStatus wraps a Status that arrived inside a 2xx stream (a watch ERROR event). */
export function statusErrorFromStatus(status: Status): StatusError {
  return new StatusError(status);
}

function httpOf(e: unknown): number | undefined {
  return e instanceof ApiError ? e.httpStatus : undefined;
}

/** isNotFound tells whether an error is the server's 404 for a missing object. */
export function isNotFound(e: unknown): boolean {
  return httpOf(e) === 404;
}

/** isAlreadyExists tells whether a create failed because the name is taken (409 AlreadyExists). */
export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.code === 'FLT_ERR_API_ALREADY_EXISTS';
}

/** isConflict tells whether a write lost an optimistic-concurrency race (409 Conflict, not AlreadyExists). */
export function isConflict(e: unknown): boolean {
  return httpOf(e) === 409 && !isAlreadyExists(e);
}

/** isGone tells whether a watch or list asked for a compacted revision (410): the caller must relist. */
export function isGone(e: unknown): boolean {
  return httpOf(e) === 410;
}

/** isInvalid tells whether the server rejected an object as invalid (422). */
export function isInvalid(e: unknown): boolean {
  return httpOf(e) === 422;
}

/** isRetryable tells whether retrying later may succeed: transport failures, 429, 5xx. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof ClientError) return e.code === 'FLT_ERR_CLIENT_CONNECT' || e.code === 'FLT_ERR_CLIENT_TIMEOUT';
  const h = httpOf(e);
  return h !== undefined && (h === 429 || h >= 500);
}

/** isApiCode is a type-safe check against one code of api/errors.ts. */
export function isApiCode(e: unknown, code: keyof typeof ERROR_CODES): boolean {
  return e instanceof ApiError && e.code === code;
}
