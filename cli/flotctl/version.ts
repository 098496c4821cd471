/**
 * `flotctl version`: this client's version and, when a server is configured, the server's
 * (GET /version), as `kubectl version` prints them.
 */
import { createRequire } from 'node:module';
import { describeError } from './errors.js';
import { parseCommandArgs } from './args.js';
import type { Context } from './context.js';

/** usage is printed by `flotctl version -h`. */
export const usage = 'Usage: flotctl version [--client]\n\nPrint the client and server versions.\n';

/** run prints the versions; a server that cannot be reached is reported and exits 1. */
export async function run(ctx: Context, args: string[]): Promise<number> {
  const { values } = parseCommandArgs('version', args, { client: { type: 'boolean' } });
  const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
  ctx.out.write(`Client Version: v${pkg.version}\n`);
  if (values.client) return 0;
  try {
    const v = await (await ctx.client()).request<{ gitVersion?: string }>('GET', '/version');
    ctx.out.write(`Server Version: ${v.gitVersion ?? 'unknown'}\n`);
    return 0;
  } catch (e) {
    ctx.err.write(`${describeError(e)}\n`);
    return 1;
  }
}
