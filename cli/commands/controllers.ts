/**
 * `flotilla controllers --server URL --token T [--ca FILE]`: the controllers alone, as an API
 * client of a running server (they also run inside `flotilla server`).
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ApiClient } from '../../api/client.js';
import { loadClientConfig } from '../../api/config.js';
import { runControllers } from '../../controllers/run.js';

/** run starts the controllers and keeps them until SIGINT or SIGTERM. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { server: { type: 'string' }, token: { type: 'string' }, ca: { type: 'string' }, config: { type: 'string' } },
    strict: true,
  });
  const cfg = loadClientConfig({ server: values.server, token: values.token, certificateAuthority: values.ca, configPath: values.config });
  const client = ApiClient.fromConfig(cfg, { userAgent: 'flotilla-controllers/0.1' });
  const log = pino({ name: 'controllers' });
  const running = await runControllers({ client, log });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  client.close();
  return 0;
}
