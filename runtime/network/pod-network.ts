/**
 * pod-network.ts: the node's pod network. A Linux bridge (`flt0` by default) carries the
 * gateway address (first address of the pod CIDR); each sandbox gets a veth pair whose host
 * end (`veth` + 8 hex of the sandbox id) is a bridge port and whose other end is `eth0` inside
 * the sandbox's network namespace, with the IP from IPAM and a default route via the gateway.
 */
import { writeFileSync } from 'node:fs';
import { type Cidr, gatewayOf, parseCidr } from './cidr.js';
import { HostLocalIpam, type Allocation } from './ipam.js';
import { ipBatch, ipJson, NetworkCommandError } from './ip-command.js';
import { linkDelete, linkIndex, vethAttach } from '../native.js';

/** DEFAULT_BRIDGE is the bridge Flotilla's pods hang off. */
export const DEFAULT_BRIDGE = 'flt0';

/** NetworkNotConfiguredError: a sandbox asked for an IP before any pod CIDR was set. */
export class NetworkNotConfiguredError extends Error {
  readonly code = 'FLT_ERR_NET_NO_CIDR';
  constructor() {
    super('no pod CIDR configured: start the runtime with --pod-cidr or call UpdateRuntimeConfig(network_config.pod_cidr) first');
    this.name = 'NetworkNotConfiguredError';
  }
}

/** hostVethName is the host-side interface of a sandbox: `veth` + the first 8 hex chars of its id. */
export function hostVethName(sandboxId: string): string {
  return `veth${sandboxId.slice(0, 8)}`;
}

/**
 * linkExists says whether an interface exists in this process's network namespace. It asks the
 * kernel by name (one ioctl): /proc/self/net/dev also follows the netns, but reading it formats
 * the statistics of every link, one more veth per pod; /sys/class/net follows the netns that
 * mounted sysfs, which is wrong for a runtime started with `nsenter --net` (as the lab does).
 */
export function linkExists(name: string): boolean {
  // A name longer than the kernel's IFNAMSIZ names no link (creating it will say why).
  return Buffer.byteLength(name) < 16 && linkIndex(name) > 0;
}

/** SandboxNetwork is what a sandbox's network looks like once attached. */
export interface SandboxNetwork extends Allocation {
  hostVeth: string;
  cidr: string;
}

/** PodNetwork owns the bridge, the IPAM directory and the veth pairs of this node's sandboxes. */
export class PodNetwork {
  readonly bridge: string;
  readonly ipam: HostLocalIpam;
  private cidr: Cidr | undefined;
  private bridgeReadyFor: string | undefined;
  private ensuring: Promise<void> | undefined;

  constructor(ipamDir: string, options: { bridge?: string; podCidr?: string } = {}) {
    this.bridge = options.bridge ?? DEFAULT_BRIDGE;
    this.ipam = new HostLocalIpam(ipamDir);
    if (options.podCidr) this.cidr = parseCidr(options.podCidr);
  }

  /** podCidr is the CIDR pods get addresses from, or undefined until configured. */
  get podCidr(): string | undefined {
    return this.cidr?.text;
  }

  /** setPodCidr (UpdateRuntimeConfig) changes the CIDR new sandboxes draw from; existing pods keep theirs. */
  setPodCidr(text: string): void {
    const c = parseCidr(text);
    if (this.cidr?.text !== c.text) this.bridgeReadyFor = undefined;
    this.cidr = c;
  }

  /** bridgeReady says (synchronously) whether ensureBridge has already done its work for the current CIDR. */
  bridgeReady(): boolean {
    return this.cidr !== undefined && this.bridgeReadyFor === this.cidr.text && linkExists(this.bridge);
  }

  /** ensureBridge creates the bridge with the gateway address if missing and turns IP forwarding on. */
  ensureBridge(): Promise<void> {
    if (this.bridgeReady()) return Promise.resolve();
    // Concurrent sandboxes share one setup rather than racing to add the same address.
    this.ensuring ??= this.setUpBridge().finally(() => {
      this.ensuring = undefined;
    });
    return this.ensuring;
  }

  private async setUpBridge(): Promise<void> {
    const cidr = this.cidr;
    if (!cidr) throw new NetworkNotConfiguredError();
    if (this.bridgeReady()) return;
    const gw = `${gatewayOf(cidr)}/${cidr.prefix}`;
    if (!linkExists(this.bridge)) {
      try {
        await ipBatch([`link add name ${this.bridge} type bridge`]);
      } catch (err) {
        if (!linkExists(this.bridge)) throw err;
      }
    }
    const addrs = JSON.parse((await ipJson(['-4', 'addr', 'show', 'dev', this.bridge])) || '[]') as {
      addr_info?: { local: string; prefixlen: number }[];
    }[];
    const has = addrs.some((a) => a.addr_info?.some((i) => `${i.local}/${i.prefixlen}` === gw));
    const cmds = has ? [] : [`addr replace ${gw} dev ${this.bridge}`];
    cmds.push(`link set ${this.bridge} up`);
    await ipBatch(cmds);
    writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
    this.bridgeReadyFor = cidr.text;
  }

  /** attach allocates an IP for the sandbox and plumbs its veth pair into `netnsPath`; undone on failure. */
  async attach(sandboxId: string, netnsPath: string): Promise<SandboxNetwork> {
    const cidr = this.cidr;
    if (!cidr) throw new NetworkNotConfiguredError();
    // No await before the spawn when the bridge is ready, so callers can overlap their own work with it.
    if (!this.bridgeReady()) await this.ensureBridge();
    const alloc = this.ipam.allocate(cidr, sandboxId);
    const hostVeth = hostVethName(sandboxId);
    try {
      // Over rtnetlink in this process: a few syscalls instead of three child processes (sh, ip, nsenter+ip).
      await vethAttach({ hostIf: hostVeth, bridge: this.bridge, netnsPath, peerIf: 'eth0', address: alloc.ip, prefix: alloc.prefix, gateway: alloc.gateway });
    } catch (err) {
      await this.detach(sandboxId).catch(() => undefined);
      throw new NetworkCommandError(`setting up ${netnsPath} (veth ${hostVeth} on ${this.bridge}, eth0 ${alloc.ip}/${alloc.prefix} via ${alloc.gateway}): ${(err as Error).message}`);
    }
    return { ...alloc, hostVeth, cidr: cidr.text };
  }

  /** detach removes the sandbox's veth pair and releases its IP; doing it twice is harmless. */
  async detach(sandboxId: string): Promise<void> {
    const hostVeth = hostVethName(sandboxId);
    try {
      linkDelete(hostVeth);
    } catch (err) {
      throw new NetworkCommandError(`delete ${hostVeth}: ${(err as Error).message}`);
    }
    this.ipam.release(sandboxId);
  }
}

export { NetworkCommandError };
