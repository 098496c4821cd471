/**
 * errors.ts: ShimError, the one error class of runtime/shim/, with stable FLT_ERR_SHIM_* codes.
 * A failed create carries the shim's own message (`exec: "/bin/nope": no such file or directory`).
 */
import { constants as osConstants } from 'node:os';

/** ShimErrorCode lists what can go wrong between TypeScript and the shim. */
export type ShimErrorCode =
  | 'FLT_ERR_SHIM_CREATE' // the shim reported a create error (errno set)
  | 'FLT_ERR_SHIM_LAUNCH' // the shim could not be run or died without reporting
  | 'FLT_ERR_SHIM_TIMEOUT' // a wait ran past its timeout
  | 'FLT_ERR_SHIM_START' // exec.fifo missing or the container gone before start
  | 'FLT_ERR_SHIM_STATE' // a state file is unreadable
  | 'FLT_ERR_SHIM_EXEC'; // `flotilla-shim exec` failed before running the command

/** ShimError is thrown or rejected by every runtime/shim function; errnoName is set for create errors. */
export class ShimError extends Error {
  readonly code: ShimErrorCode;
  readonly errno: number | undefined;
  readonly errnoName: string | undefined;

  constructor(code: ShimErrorCode, message: string, errno?: number) {
    super(message);
    this.name = 'ShimError';
    this.code = code;
    this.errno = errno;
    this.errnoName = errno === undefined ? undefined : Object.entries(osConstants.errno).find(([, v]) => v === errno)?.[0];
  }
}
