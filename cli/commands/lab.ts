/**
 * `flotilla lab up|status|down`: several nodes on this machine, each a network namespace with its
 * own agent and runtime (lab/lab.ts does the work).
 */
import { parseArgs } from 'node:util';
import { crossNodeFetch } from '../../lab/cross-node-fetch.js';
import { DEFAULT_LAB_DIR, labDown, labStatus, labUp, readLabState } from '../../lab/lab.js';

const USAGE = `Usage:
  flotilla lab up [--nodes N] [--data-dir DIR] [--port PORT]   start a lab of N nodes (default 3) and wait until Ready
  flotilla lab status [--data-dir DIR]                          show the control plane and each node
  flotilla lab down [--data-dir DIR] [--keep-data]             stop everything and remove all the lab made
  flotilla lab fetch [-l SELECTOR] [--port P]                   one pod fetches a page from a pod on another node
`;

/** run dispatches a lab verb. */
export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      nodes: { type: 'string' },
      'data-dir': { type: 'string', default: DEFAULT_LAB_DIR },
      port: { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      selector: { type: 'string', short: 'l', default: 'app=web' },
    },
    strict: true,
  });
  const dataDir = values['data-dir']!;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  if (verb === 'up' || verb === 'down') requireRoot(verb);
  switch (verb) {
    case 'up': {
      const nodes = values.nodes === undefined ? 3 : Number(values.nodes);
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`--port must be a TCP port, not "${values.port}"`);
      try {
        await labUp({ nodes, dataDir, port, log });
      } catch (err) {
        log(`lab: ${err instanceof Error ? err.message : String(err)}`);
        log('lab: cleaning up what was started');
        await labDown({ dataDir, nodes: Number.isInteger(nodes) ? nodes : 0, keepData: true, log });
        return 1;
      }
      process.stdout.write(await labStatus(dataDir));
      return 0;
    }
    case 'status':
      process.stdout.write(await labStatus(dataDir));
      return 0;
    case 'fetch': {
      const state = readLabState(dataDir);
      if (!state) throw new Error(`no lab in ${dataDir}; run \`flotilla lab up\` first`);
      const r = await crossNodeFetch(state, values.selector!, values.port === undefined ? 8080 : Number(values.port));
      log(`${r.from.pod} (${r.from.node}) fetches ${r.to.url} from ${r.to.pod} (${r.to.node}):`);
      process.stdout.write(r.body.endsWith('\n') ? r.body : `${r.body}\n`);
      return r.exitCode === 0 ? 0 : 1;
    }
    case 'down':
      await labDown({ dataDir, keepData: values['keep-data'], log });
      return 0;
    default:
      process.stderr.write(verb ? `flotilla lab: unknown verb "${verb}"\n\n${USAGE}` : USAGE);
      return 1;
  }
}

function requireRoot(verb: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`lab ${verb} needs root: it creates network namespaces, veths, cgroups and mounts`);
  }
}
