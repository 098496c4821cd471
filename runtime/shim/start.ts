/**
 * start.ts: startContainer releases a created container: it opens <state-dir>/exec.fifo for
 * reading (non-blocking, so the event loop never waits), which lets the container's init
 * finish its blocked open for writing; init writes one byte and execs.
 */
import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ShimError } from './errors.js';
import { readExit } from './exit.js';
import { readFdInThread } from '../native.js';

/** startContainer lets a created container run its process; resolves once init has passed the fifo. */
export async function startContainer(stateDir: string, timeoutMs = 10_000): Promise<void> {
  const id = basename(stateDir);
  const fifo = join(stateDir, 'exec.fifo');
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it was already started, or never created' : (e as Error).message;
    throw new ShimError('FLT_ERR_SHIM_START', `start container ${id}: no exec.fifo in ${stateDir}: ${why}`);
  }
  let got: Buffer;
  try {
    // Linux reports no hang-up on a FIFO until a writer has come and gone, so the wait lasts until
    // init has written its byte and exec'd (closing the FIFO), not an early end-of-file.
    got = await readFdInThread(fd, 64, timeoutMs);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ETIMEDOUT') throw new ShimError('FLT_ERR_SHIM_START', `start container ${id}: read exec.fifo: ${(e as Error).message}`);
    const exit = readExit(stateDir);
    const why = exit ? `its init already exited (code ${exit.exitCode})` : 'its init never opened exec.fifo';
    throw new ShimError('FLT_ERR_SHIM_TIMEOUT', `start container ${id}: not started within ${timeoutMs} ms: ${why}`);
  } finally {
    closeSync(fd);
  }
  if (got.length === 0) throw new ShimError('FLT_ERR_SHIM_START', `start container ${id}: init closed exec.fifo without starting`);
  try {
    unlinkSync(fifo);
  } catch {
    /* already gone */
  }
}
