/**
 * The components `flotilla server` runs in its own process: the scheduler and the controllers.
 * They stay API clients — they reach the server over HTTPS on loopback like any other client —
 * so each can also run alone (`flotilla scheduler`, `flotilla controllers`).
 */
import pino from 'pino';
import { ApiClient } from '../../api/client.js';
import type { ApiServer } from '../../apiserver/server.js';
import { runControllers } from '../../controllers/run.js';
import { runScheduler } from '../../scheduler/run.js';
import type { StartHook } from './server.js';

/** loopbackClient reaches the server on 127.0.0.1 when it listens on every address. */
function loopbackClient(server: ApiServer, userAgent: string): ApiClient {
  const url = server.url.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://127.0.0.1:');
  return new ApiClient({ server: url, token: server.token, ca: server.caPem, userAgent });
}

/** startScheduler is the StartHook of the in-process scheduler. */
export const startScheduler: StartHook = async (server, flags) => {
  const client = loopbackClient(server, 'flotilla-scheduler/0.1');
  const p = pino({ name: 'scheduler', level: flags.logLevel });
  const running = await runScheduler({ client, log: { info: (m) => p.info(m), warn: (m) => p.warn(m), error: (m) => p.error(m) } });
  return async () => {
    await running.stop();
    client.close();
  };
};

/** startControllers is the StartHook of the in-process controllers. */
export const startControllers: StartHook = async (server, flags) => {
  const client = loopbackClient(server, 'flotilla-controllers/0.1');
  const running = await runControllers({ client, log: pino({ name: 'controllers', level: flags.logLevel }) });
  return async () => {
    await running.stop();
    client.close();
  };
};
