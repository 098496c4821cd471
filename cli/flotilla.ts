/**
 * flotilla: the daemons and the one-machine cluster. Each subcommand is a thin file under
 * cli/commands/ exporting `run(args): Promise<number>`; this table only dispatches, so that
 * starting one subcommand loads none of the others.
 */

const subcommands: Record<string, { module: string; summary: string }> = {
  up: { module: './commands/up.js', summary: 'the whole cluster on this machine (etcd, control plane, agents)' },
  server: { module: './commands/server.js', summary: 'the API server, scheduler and controllers' },
  scheduler: { module: './commands/scheduler.js', summary: 'the scheduler alone, against --server URL' },
  controllers: { module: './commands/controllers.js', summary: 'the controllers alone, against --server URL' },
  agent: { module: './commands/agent.js', summary: 'the node agent (needs root)' },
  runtime: { module: './commands/runtime.js', summary: 'the CRI-style runtime service on a unix socket (needs root)' },
  crictl: { module: './commands/crictl.js', summary: 'crictl-like debugging against the runtime socket' },
  oci: { module: './commands/oci.js', summary: 'runc-shaped low-level runtime: create|start|state|kill|delete|run' },
  lab: { module: './commands/lab.js', summary: 'several nodes on this machine: lab up|status|down' },
};

function usage(): string {
  const lines = Object.entries(subcommands).map(([name, s]) => `  ${name.padEnd(12)} ${s.summary}`);
  return `Usage: flotilla COMMAND [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

/** main runs one subcommand and exits with its status; user errors print one line, not a stack. */
export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    process.exit(name ? 0 : 1);
  }
  const entry = subcommands[name];
  if (!entry) {
    process.stderr.write(`flotilla: unknown command "${name}"\n\n${usage()}`);
    process.exit(1);
  }
  try {
    const mod = (await import(entry.module)) as { run(args: string[]): Promise<number> };
    const code = await mod.run(rest);
    process.exitCode = code;
  } catch (err) {
    process.stderr.write(`flotilla ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.FLOTILLA_DEBUG) console.error(err);
    process.exit(1);
  }
}
