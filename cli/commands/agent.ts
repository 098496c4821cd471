/**
 * `flotilla agent`: the node agent. Parses flags, starts the agent (agent/agent.ts) and stops it on
 * SIGTERM/SIGINT, leaving containers and the runtime running.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_AGENT_PORT, DEFAULT_AGENT_ROOT, startAgent } from '../../agent/agent.js';
import { backoffPolicyFromEnv } from '../../agent/container-restart/backoff.js';
import { AgentError } from '../../agent/errors.js';

const USAGE = `Usage: flotilla agent --server URL --token T [options]   (needs root)
  --server URL            the API server (https://HOST:PORT)
  --token T               bearer token (also the token the logs endpoint accepts)
  --ca FILE               PEM of the API server's CA
  --node-name N           the Node's name (default: the hostname)
  --root-dir D            pod logs and the runtime's state (default ${DEFAULT_AGENT_ROOT})
  --runtime-socket S      the runtime's socket; started when nothing serves it (default /run/flotilla/runtime.sock)
  --cgroup-parent P       cgroup under which pods live; bounds the node's capacity
  --address IP            the node's InternalIP and the logs endpoint's address (default: first non-loopback IPv4)
  --port N                the logs endpoint's port (default ${DEFAULT_AGENT_PORT})
  --pod-cidr CIDR         pod CIDR to use while the Node has no spec.podCIDR (single node without controllers)
Environment: FLOTILLA_AGENT_BACKOFF_BASE_MS shortens the crash-loop backoff (tests and demos only).
`;

const VALUE_FLAGS = new Set(['--server', '--token', '--ca', '--node-name', '--root-dir', '--runtime-socket', '--cgroup-parent', '--address', '--port', '--pod-cidr']);

/** joinValues turns `--flag value` into `--flag=value`, so a value starting with "-" (a token may) is still a value. */
function joinValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUE_FLAGS.has(a) && i + 1 < args.length) out.push(`${a}=${args[++i]}`);
    else out.push(a);
  }
  return out;
}

/** run starts the agent and waits for SIGTERM or SIGINT. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: joinValues(args),
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        ca: { type: 'string' },
        'node-name': { type: 'string' },
        'root-dir': { type: 'string' },
        'runtime-socket': { type: 'string' },
        'cgroup-parent': { type: 'string' },
        address: { type: 'string' },
        port: { type: 'string' },
        'pod-cidr': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new AgentError('FLT_ERR_AGENT_FLAGS', `${(e as Error).message}\n\n${USAGE}`);
  }
  if (process.getuid?.() !== 0) throw new AgentError('FLT_ERR_AGENT_NOT_ROOT', 'flotilla agent needs root: it creates namespaces, cgroups and mounts');
  if (!values.server || !values.token) throw new AgentError('FLT_ERR_AGENT_FLAGS', `--server and --token are required\n\n${USAGE}`);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AgentError('FLT_ERR_AGENT_FLAGS', `--port: "${values.port}" is not a port number`);
  }
  if (values['pod-cidr'] && !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(values['pod-cidr'])) {
    throw new AgentError('FLT_ERR_AGENT_FLAGS', `--pod-cidr: "${values['pod-cidr']}" is not an IPv4 CIDR like 10.244.0.0/24`);
  }
  const agent = await startAgent({
    server: values.server,
    token: values.token,
    caFile: values.ca,
    nodeName: values['node-name'],
    rootDir: values['root-dir'],
    runtimeSocket: values['runtime-socket'],
    cgroupParent: values['cgroup-parent'],
    address: values.address,
    port,
    podCidr: values['pod-cidr'],
    backoff: backoffPolicyFromEnv(),
  });
  process.stderr.write(`flotilla agent: node ${agent.nodeName} registered; logs endpoint on ${agent.address}:${agent.port}\n`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      process.stderr.write(`flotilla agent: ${sig}: stopping (containers keep running)\n`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await agent.stop();
  return 0;
}
