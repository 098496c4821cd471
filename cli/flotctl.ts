/**
 * flotctl: the kubectl-like client. Global flags (--server, --token, --config, -n, -A) are taken
 * out first; the command table below maps each verb to its module under cli/flotctl/, imported only
 * when that verb runs, so `flotctl get` loads neither the YAML parser nor `apply`.
 * A command module exports `usage: string` and `run(ctx, args): Promise<number>` (see context.ts).
 */
import { extractGlobalFlags } from './flotctl/args.js';
import type { Command, Context, GlobalFlags } from './flotctl/context.js';
import type { ApiClient } from '../api/client.js';

/** COMMANDS is the dispatch table; add a verb by adding a line and a file cli/flotctl/<verb>.js. */
export const COMMANDS: Record<string, { module: string; summary: string }> = {
  apply: { module: './flotctl/apply.js', summary: 'create or update objects from -f FILE|DIR|-' },
  create: { module: './flotctl/create.js', summary: 'create objects from -f FILE|DIR|-' },
  get: { module: './flotctl/get.js', summary: 'print objects as a table, or as yaml/json/name' },
  describe: { module: './flotctl/describe.js', summary: 'show an object in detail, with its events' },
  delete: { module: './flotctl/delete.js', summary: 'delete objects by KIND NAME or -f FILE' },
  logs: { module: './flotctl/logs.js', summary: "print a pod's container log" },
  scale: { module: './flotctl/scale.js', summary: 'set the replicas of a deployment or replicaset' },
  rollout: { module: './flotctl/rollout.js', summary: 'rollout status|history|undo of a deployment' },
  'api-resources': { module: './flotctl/api-resources.js', summary: 'list the kinds the API serves' },
  wait: { module: './flotctl/wait.js', summary: 'wait for a condition on objects (or their deletion)' },
  label: { module: './flotctl/label.js', summary: 'set or remove labels of an object' },
  annotate: { module: './flotctl/annotate.js', summary: 'set or remove annotations of an object' },
  cordon: { module: './flotctl/cordon.js', summary: 'mark a node unschedulable' },
  uncordon: { module: './flotctl/uncordon.js', summary: 'mark a node schedulable again' },
  drain: { module: './flotctl/drain.js', summary: 'cordon a node and delete its pods' },
  version: { module: './flotctl/version.js', summary: 'print the client and server versions' },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return [
    'flotctl controls a Flotilla cluster.',
    '',
    'Usage: flotctl COMMAND [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Global flags:',
    '  --server URL, --token TOKEN, --certificate-authority FILE, --insecure-skip-tls-verify',
    '  --config FILE (or FLOTILLA_CONFIG; default ~/.flotilla/config)',
    '  -n, --namespace NS    -A, --all-namespaces    -h, --help',
    '',
  ].join('\n');
}

function makeContext(flags: GlobalFlags): { ctx: Context; close(): void } {
  let client: Promise<ApiClient> | undefined;
  const ctx: Context = {
    flags,
    namespace: flags.namespace || 'default',
    namespaceExplicit: !!flags.namespace,
    allNamespaces: flags.allNamespaces,
    client: () => {
      client ??= (async () => {
        const [{ loadClientConfig }, { ApiClient }] = await Promise.all([import('../api/config.js'), import('../api/client.js')]);
        const cfg = loadClientConfig({
          server: flags.server, token: flags.token, configPath: flags.config,
          certificateAuthority: flags.certificateAuthority, insecureSkipTLSVerify: flags.insecureSkipTLSVerify,
        });
        return ApiClient.fromConfig(cfg, { userAgent: 'flotctl/0.1' });
      })();
      return client;
    },
    out: process.stdout,
    err: process.stderr,
    stdin: process.stdin,
  };
  const close = (): void => {
    client?.then((c) => c.close(), () => undefined);
  };
  return { ctx, close };
}

/** runFlotctl runs one command line and returns its exit code; it never exits the process. */
export async function runFlotctl(argv: string[], io?: Partial<Pick<Context, 'out' | 'err' | 'stdin'>>): Promise<number> {
  const errOut = io?.err ?? process.stderr;
  let made: { ctx: Context; close(): void } | undefined;
  try {
    const { flags, rest } = extractGlobalFlags(argv);
    const [name, ...args] = rest;
    if (!name || name === 'help') {
      (io?.out ?? process.stdout).write(usage());
      return name || flags.help ? 0 : 1;
    }
    const entry = COMMANDS[name];
    if (!entry) {
      errOut.write(`error: unknown command "${name}" for "flotctl"\n\n${usage()}`);
      return 1;
    }
    made = makeContext(flags);
    const ctx: Context = { ...made.ctx, ...io };
    const mod = (await import(entry.module)) as Command;
    if (flags.help) {
      ctx.out.write(mod.usage.endsWith('\n') ? mod.usage : `${mod.usage}\n`);
      return 0;
    }
    return await mod.run(ctx, args);
  } catch (err) {
    const { describeError } = await import('./flotctl/errors.js');
    errOut.write(`${describeError(err)}\n`);
    if (process.env.FLOTILLA_DEBUG) errOut.write(`${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  } finally {
    made?.close();
  }
}

/** main is bin/flotctl's entry point: runs the command line and sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  // `flotctl get pods | head` closes the pipe early; like kubectl, end quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await runFlotctl(argv);
}
