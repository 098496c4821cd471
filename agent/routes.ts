/**
 * Host-gateway routes to the other nodes' pods (flannel's host-gw): for every other Node with a
 * spec.podCIDR and an InternalIP, `ip route replace <podCIDR> via <InternalIP>` in the agent's
 * network namespace; the route goes when the node goes. Which routes should exist is a pure
 * function of the nodes; the manager applies the difference.
 */
import { execFile } from 'node:child_process';
import type { Node } from '../api/types.js';
import { AgentError } from './errors.js';

/** desiredRoutes maps each other node's pod CIDR to its InternalIP. */
export function desiredRoutes(nodes: readonly Readonly<Node>[], selfName: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of nodes) {
    if (n.metadata.name === selfName) continue;
    const cidr = n.spec?.podCIDR;
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (cidr && ip) out.set(cidr, ip);
  }
  return out;
}

/** RouteDiff is what to add or replace and what to delete. */
export interface RouteDiff {
  replace: [cidr: string, via: string][];
  remove: string[];
}

/** diffRoutes compares the routes in place with the wanted ones. */
export function diffRoutes(current: ReadonlyMap<string, string>, wanted: ReadonlyMap<string, string>): RouteDiff {
  const replace: [string, string][] = [];
  const remove: string[] = [];
  for (const [cidr, via] of wanted) if (current.get(cidr) !== via) replace.push([cidr, via]);
  for (const cidr of current.keys()) if (!wanted.has(cidr)) remove.push(cidr);
  return { replace, remove };
}

function run(cmd: string[], args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd[0]!, [...cmd.slice(1), ...args], { timeout: 10_000 }, (err, _out, stderr) => {
      if (err) reject(new AgentError('FLT_ERR_AGENT_ROUTE', `${[...cmd, ...args].join(' ')}: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve();
    });
  });
}

/** RouteManager keeps the kernel's routes equal to desiredRoutes, one sync at a time. */
export class RouteManager {
  private readonly applied = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();

  /** ipCommand is how `ip` is run (tests pass ['ip', '-n', NETNS]). */
  constructor(
    private readonly selfName: string,
    private readonly ipCommand: string[] = ['ip'],
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** sync applies the routes the nodes call for; calls are serialised. */
  sync(nodes: readonly Readonly<Node>[]): Promise<void> {
    const wanted = desiredRoutes(nodes, this.selfName);
    this.chain = this.chain.then(() => this.apply(wanted));
    return this.chain;
  }

  /** routes lists the routes this manager has put in place. */
  routes(): ReadonlyMap<string, string> {
    return this.applied;
  }

  /** clear removes every route this manager put in place. */
  clear(): Promise<void> {
    this.chain = this.chain.then(() => this.apply(new Map()));
    return this.chain;
  }

  private async apply(wanted: Map<string, string>): Promise<void> {
    const diff = diffRoutes(this.applied, wanted);
    for (const [cidr, via] of diff.replace) {
      try {
        await run(this.ipCommand, ['route', 'replace', cidr, 'via', via]);
        this.applied.set(cidr, via);
      } catch (e) {
        this.onError(e);
      }
    }
    for (const cidr of diff.remove) {
      try {
        await run(this.ipCommand, ['route', 'del', cidr]);
      } catch (e) {
        if (!/No such process|not found/i.test((e as Error).message)) this.onError(e);
      }
      this.applied.delete(cidr);
    }
  }
}
