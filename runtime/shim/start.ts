/**
 * start.ts: startContainer releases a created container: it opens <state-dir>/exec.fifo for
 * reading (non-blocking, so the event loop never waits), which lets the container's init
 * finish its blocked open for writing; init writes one byte and execs.
 */
import { constants, openSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { basename, join } from 'node:path';
import { ShimError } from './errors.js';
import { readExit } from './exit.js';

/** startContainer lets a created container run its process; resolves once init has passed the fifo. */
export function startContainer(stateDir: string, timeoutMs = 10_000): Promise<void> {
  const id = basename(stateDir);
  const fifo = join(stateDir, 'exec.fifo');
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it was already started, or never created' : (e as Error).message;
    return Promise.reject(new ShimError('FLT_ERR_SHIM_START', `start container ${id}: no exec.fifo in ${stateDir}: ${why}`));
  }
  return new Promise((resolve, reject) => {
    // Linux reports no hang-up on a FIFO until a writer has come and gone, so the socket waits
    // for init's byte instead of seeing an early end-of-file.
    const sock = new Socket({ fd, readable: true, writable: false });
    let got = 0;
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (!err) {
        try {
          unlinkSync(fifo);
        } catch {
          /* already gone */
        }
      }
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      const exit = readExit(stateDir);
      const why = exit ? `its init already exited (code ${exit.exitCode})` : 'its init never opened exec.fifo';
      finish(new ShimError('FLT_ERR_SHIM_TIMEOUT', `start container ${id}: not started within ${timeoutMs} ms: ${why}`));
    }, timeoutMs);
    sock.on('data', (d: Buffer) => {
      got += d.length;
    });
    sock.on('end', () => {
      if (got > 0) finish();
      else finish(new ShimError('FLT_ERR_SHIM_START', `start container ${id}: init closed exec.fifo without starting`));
    });
    sock.on('error', (e) => finish(new ShimError('FLT_ERR_SHIM_START', `start container ${id}: read exec.fifo: ${e.message}`)));
  });
}
