/**
 * `flotilla up [--nodes N]`: the whole cluster on this machine with one command — a managed etcd,
 * the control plane, and N nodes (default 1), each a lab host with its own agent and runtime.
 * It returns once every node is Ready and leaves the cluster running; `flotilla lab down` stops it.
 */
import { run as lab } from './lab.js';

/** run starts a lab, defaulting to one node. */
export async function run(args: string[]): Promise<number> {
  const hasNodes = args.some((a) => a === '--nodes' || a.startsWith('--nodes='));
  return lab(['up', ...(hasNodes ? [] : ['--nodes', '1']), ...args]);
}
