/**
 * The lab's wiring: one bridge `fltlab0` on this machine and, per lab host, a network namespace
 * joined to it by a veth pair, with its own address in 172.30.0.0/24 — a range used only inside
 * the namespaces the lab makes. Every step is idempotent so `lab down` can clean up a half-made lab.
 */
import { existsSync } from 'node:fs';
import { run } from './exec.js';

/** LAB_BRIDGE is the bridge every lab host is plugged into. */
export const LAB_BRIDGE = 'fltlab0';
/** LAB_SUBNET_PREFIX: the bridge is .1, lab host i is .(10 + i). */
export const LAB_SUBNET_PREFIX = '172.30.0';
/** LAB_GATEWAY is the bridge's own address, where lab hosts reach the control plane. */
export const LAB_GATEWAY = `${LAB_SUBNET_PREFIX}.1`;

/** LabHost names one lab host's network pieces. */
export interface LabHost {
  index: number;
  name: string;
  netns: string;
  address: string;
  hostVeth: string;
}

/** labHost derives the names and address of lab host number index (1-based). */
export function labHost(index: number): LabHost {
  return {
    index,
    name: `lab-node-${index}`,
    netns: `flotilla-lab-${index}`,
    address: `${LAB_SUBNET_PREFIX}.${10 + index}`,
    hostVeth: `fltlab-n${index}`,
  };
}

async function linkExists(name: string): Promise<boolean> {
  return (await run('ip', ['-o', 'link', 'show', 'dev', name], { allowFail: true })).trim() !== '';
}

/** ensureBridge creates the lab bridge with the gateway address, if missing. */
export async function ensureBridge(): Promise<void> {
  if (!(await linkExists(LAB_BRIDGE))) {
    await run('ip', ['link', 'add', LAB_BRIDGE, 'type', 'bridge']);
  }
  await run('ip', ['addr', 'replace', `${LAB_GATEWAY}/24`, 'dev', LAB_BRIDGE]);
  await run('ip', ['link', 'set', LAB_BRIDGE, 'up']);
}

/** createHost makes lab host's namespace and plugs it into the bridge. */
export async function createHost(h: LabHost): Promise<void> {
  if (!existsSync(`/run/netns/${h.netns}`)) await run('ip', ['netns', 'add', h.netns]);
  if (!(await linkExists(h.hostVeth))) {
    await run('ip', ['link', 'add', h.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
  }
  await run('ip', ['link', 'set', h.hostVeth, 'master', LAB_BRIDGE, 'up']);
  const batch = [
    `link set lo up`,
    `addr replace ${h.address}/24 dev eth0`,
    `link set eth0 up`,
    `route replace default via ${LAB_GATEWAY} dev eth0`,
  ].join('\n');
  await run('ip', ['-n', h.netns, '-batch', '-'], { input: `${batch}\n` });
  // The host routes pod traffic between its bridge and other hosts.
  await run('ip', ['netns', 'exec', h.netns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
}

/** removeHost deletes the namespace (its veth goes with it) and the host-side veth if left. */
export async function removeHost(h: LabHost): Promise<void> {
  if (existsSync(`/run/netns/${h.netns}`)) await run('ip', ['netns', 'del', h.netns], { allowFail: true });
  if (await linkExists(h.hostVeth)) await run('ip', ['link', 'del', h.hostVeth], { allowFail: true });
}

/** removeBridge deletes the lab bridge. */
export async function removeBridge(): Promise<void> {
  if (await linkExists(LAB_BRIDGE)) await run('ip', ['link', 'del', LAB_BRIDGE]);
}

/** setLink cuts (down) or restores (up) a lab host's link, to test node failure. */
export async function setLink(h: LabHost, up: boolean): Promise<void> {
  await run('ip', ['link', 'set', h.hostVeth, up ? 'up' : 'down']);
}

/** PodRoute says that pods of cidr live behind the lab host at address. */
export interface PodRoute {
  cidr: string;
  address: string;
}

/**
 * setPodRoutes gives lab host h a direct route to every other host's pod CIDR (as flannel's
 * host-gw does): hosts share one L2 segment, so pod traffic keeps its pod IPs end to end.
 */
export async function setPodRoutes(h: LabHost, routes: PodRoute[]): Promise<void> {
  const batch = routes.filter((r) => r.address !== h.address).map((r) => `route replace ${r.cidr} via ${r.address} dev eth0`);
  if (batch.length) await run('ip', ['-n', h.netns, '-batch', '-'], { input: `${batch.join('\n')}\n` });
}
