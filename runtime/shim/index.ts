/**
 * runtime/shim: launching flotilla-shim, starting the container it holds, reading its exit
 * record and running commands inside it. Used by runtime/oci (lifecycle) and the CRI service.
 */
export { launchShim, shimArgs, parseSyncLine, type LaunchOptions, type LaunchResult } from './launch.js';
export { startContainer } from './start.js';
export { pidAlive, readExit, readShimPid, waitExit, type ExitInfo } from './exit.js';
export { execInContainer, execArgs, EXEC_SHIM_FAILED, type ExecOptions, type ExecResult } from './exec.js';
export { ShimError, type ShimErrorCode } from './errors.js';
