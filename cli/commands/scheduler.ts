/**
 * `flotilla scheduler --server URL --token T [--ca FILE] [--config FILE]`: the scheduler alone, as an
 * API client of a running server (it also runs inside `flotilla server`). Several may run at once:
 * one schedules, the others stand by on the kube-system/flotilla-scheduler lease.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ApiClient } from '../../api/client.js';
import { loadClientConfig } from '../../api/config.js';
import { SchedulerError } from '../../scheduler/errors.js';
import { runScheduler } from '../../scheduler/run.js';

const USAGE = `Usage: flotilla scheduler --server URL --token T [options]
  --server URL            the API server (https://HOST:PORT)
  --token T               bearer token
  --ca FILE               PEM of the API server's CA
  --client-config FILE    client config file instead of the flags (default FLOTILLA_CONFIG, ~/.flotilla/config)
  --config FILE           scheduler config (YAML/JSON): scoreWeights, percentageOfNodesToScore, bindConcurrency
  --identity ID           name in the leader lease (default hostname_pid_random)
  --no-leader-elect       schedule at once, without the lease (only when no other scheduler runs)
  --log-level L           fatal, error, warn, info (default), debug, silent
`;

/** run starts the scheduler and keeps it until SIGINT or SIGTERM. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        ca: { type: 'string' },
        'client-config': { type: 'string' },
        config: { type: 'string' },
        identity: { type: 'string' },
        'no-leader-elect': { type: 'boolean' },
        'log-level': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new SchedulerError('FLT_ERR_SCHED_OPTION', `${(e as Error).message}\n\n${USAGE}`);
  }
  const cfg = loadClientConfig({
    server: values.server, token: values.token, certificateAuthority: values.ca, configPath: values['client-config'],
  });
  const client = ApiClient.fromConfig(cfg, { userAgent: 'flotilla-scheduler/0.1' });
  const log = pino({ name: 'scheduler', level: values['log-level'] ?? 'info' });
  const running = await runScheduler({
    client, log, configFile: values.config, identity: values.identity, leaderElect: !values['no-leader-elect'],
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  client.close();
  return 0;
}
