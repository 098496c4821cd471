/**
 * Errors of the cgroup manager, each with a stable code so callers (the lifecycle, the
 * runtime service) can tell a busy cgroup from a missing controller without parsing text.
 */

/** CgroupErrorCode lists the stable codes a CgroupError carries. */
export type CgroupErrorCode =
  | 'FLT_ERR_CGROUP_PATH' // a path that is not absolute or climbs out of the hierarchy
  | 'FLT_ERR_CGROUP_WRITE' // the kernel refused a limit (bad value, missing file)
  | 'FLT_ERR_CGROUP_BUSY' // a cgroup still held tasks when it had to be removed
  | 'FLT_ERR_CGROUP_LAYOUT'; // no usable cgroup hierarchy on this host

/** CgroupError is thrown by the cgroup manager; its message names the file or directory at fault. */
export class CgroupError extends Error {
  readonly code: CgroupErrorCode;
  constructor(code: CgroupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CgroupError';
    this.code = code;
  }
}

/** checkCgroupPath rejects paths that are relative or contain `..`, returning the path without a trailing slash. */
export function checkCgroupPath(path: string): string {
  if (!path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '.')) {
    throw new CgroupError('FLT_ERR_CGROUP_PATH', `cgroup path "${path}" must be absolute and must not contain "." or ".."`);
  }
  const trimmed = path.replace(/\/+$/, '').replace(/\/{2,}/g, '/');
  return trimmed === '' ? '/' : trimmed;
}
