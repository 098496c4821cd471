/**
 * How flotctl words a failure on one line, as kubectl does: `Error from server (NotFound): pods "x"
 * not found` for a Status, `Unable to connect to the server: …` when there is no answer, and
 * `error: …` for everything the user can fix on their side.
 */
import { ApiError } from '../../api/errors.js';

interface WithStatus {
  status?: { message?: string; reason?: string; details?: { causes?: { field?: string; message?: string }[] } };
}

/** describeError gives the one-line message for any failure of a command. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const st = (err as WithStatus).status;
    const reason = st?.reason || err.reason || 'Unknown';
    const message = st?.message || err.message;
    return `Error from server (${reason}): ${message}`;
  }
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code === 'FLT_ERR_CLIENT_CONNECT' || e?.code === 'FLT_ERR_CLIENT_TIMEOUT') {
    return `Unable to connect to the server: ${e.message}`;
  }
  const message = e?.message ?? String(err);
  return message.startsWith('error: ') ? message : `error: ${message}`;
}

