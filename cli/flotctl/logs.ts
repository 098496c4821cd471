/**
 * `flotctl logs [-f] [-c CONTAINER] [--tail N] [--timestamps] [--previous] POD`: copies the pod's
 * container log (served by its node's agent through the API server) to stdout.
 */
import { intOption, parseCommandArgs, str } from './args.js';
import { UserError, type Context } from './context.js';

/** usage is printed by `flotctl logs -h`. */
export const usage = `Usage: flotctl logs [-f] [-c CONTAINER] [--tail N] [--timestamps] [--previous] POD

Print the log of a pod's container.

Options:
  -f, --follow          keep printing as the container writes
  -c, --container NAME  which container (needed when the pod has several)
      --tail N          only the last N lines
      --timestamps      prefix each line with its time
  -p, --previous        the log of the previous (restarted) instance
`;

/** run streams the log to ctx.out until it ends. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('logs', args, {
    follow: { type: 'boolean', short: 'f' },
    container: { type: 'string', short: 'c' },
    tail: { type: 'string' },
    timestamps: { type: 'boolean' },
    previous: { type: 'boolean', short: 'p' },
  });
  if (positionals.length === 0) throw new UserError('logs: give a pod name, e.g. `flotctl logs web-1`');
  let pod = positionals[0];
  if (pod.includes('/')) {
    const [kind, name] = pod.split('/', 2);
    if (!/^(po|pod|pods)$/i.test(kind)) throw new UserError(`logs: only pods have logs (got ${kind})`);
    pod = name;
  }
  const container = str(values.container) ?? positionals[1];
  let tailLines = intOption('--tail', str(values.tail));
  if (tailLines !== undefined && tailLines < 0) tailLines = undefined;
  const client = await ctx.client();
  const stream = await client.logs(ctx.namespace, pod, {
    container, follow: !!values.follow, tailLines, timestamps: !!values.timestamps, previous: !!values.previous,
  });
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => ctx.out.write(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return 0;
}
