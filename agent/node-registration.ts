/**
 * Registers this machine as a Node: labels, addresses, capacity, node info, the kubelet endpoint
 * port and a Ready condition. On a restart the existing Node is updated in place, keeping what
 * others own (spec.podCIDR from the controllers, taints, cordoning).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isNotFound, isConflict, isAlreadyExists, type ApiClient } from '../api/client.js';
import type { Node, NodeCondition, NodeStatus, ResourceList } from '../api/types.js';
import { AgentError } from './errors.js';
import { rfc3339 } from './pod-status.js';

/** NodeIdentity is what the agent says about its machine. */
export interface NodeIdentity {
  nodeName: string;
  address: string;
  port: number;
  capacity: ResourceList;
  runtimeVersion: string;
}

/** goArch maps Node's process.arch to the GOARCH words Kubernetes labels use. */
export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

/** firstIPv4 is the first non-loopback IPv4 address of this host (what InternalIP defaults to). */
export function firstIPv4(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** nodeLabels are the well-known labels of this node. */
export function nodeLabels(nodeName: string): Record<string, string> {
  return { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': goArch() };
}

/** readyCondition builds the Ready condition, keeping the transition time when the status is unchanged. */
export function readyCondition(prev: readonly NodeCondition[] | undefined, now: number, ready = true): NodeCondition {
  const status = ready ? 'True' : 'False';
  const old = prev?.find((c) => c.type === 'Ready');
  return {
    type: 'Ready',
    status,
    reason: ready ? 'KubeletReady' : 'KubeletNotReady',
    message: ready ? 'flotilla agent is posting ready status' : 'flotilla agent is not ready',
    lastHeartbeatTime: rfc3339(now),
    lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now),
  };
}

/** nodeStatus builds the status the agent reports, over the previous one (conditions of others kept). */
export function nodeStatus(id: NodeIdentity, prev: NodeStatus | undefined, now: number): NodeStatus {
  const osRelease = readOr('/etc/os-release', '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'Linux';
  const conditions = (prev?.conditions ?? []).filter((c) => c.type !== 'Ready');
  conditions.push(readyCondition(prev?.conditions, now));
  return {
    ...prev,
    capacity: id.capacity,
    allocatable: id.capacity,
    conditions,
    addresses: [
      { type: 'InternalIP', address: id.address },
      { type: 'Hostname', address: id.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.port } },
    nodeInfo: {
      machineID: readOr('/etc/machine-id', '').trim(),
      kernelVersion: os.release(),
      osImage: pretty,
      containerRuntimeVersion: id.runtimeVersion,
      kubeletVersion: 'flotilla-v0.1.0',
      operatingSystem: 'linux',
      architecture: goArch(),
    },
  };
}

/** writeNodeStatus puts the node's status, retrying on conflict with the latest object. */
export async function writeNodeStatus(client: ApiClient, id: NodeIdentity, now = Date.now): Promise<Node> {
  for (let i = 0; ; i++) {
    const node = await client.get<Node>('nodes', id.nodeName);
    try {
      return await client.updateStatus<Node>('nodes', { ...node, status: nodeStatus(id, node.status, now()) });
    } catch (e) {
      if (!isConflict(e) || i >= 5) throw e;
    }
  }
}

/** registerNode creates this node's Node (or updates the existing one) and reports its status. */
export async function registerNode(client: ApiClient, id: NodeIdentity): Promise<Node> {
  try {
    try {
      const existing = await client.get<Node>('nodes', id.nodeName);
      await client.patch<Node>('nodes', id.nodeName, { metadata: { labels: { ...existing.metadata.labels, ...nodeLabels(id.nodeName) } } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: id.nodeName, labels: nodeLabels(id.nodeName) }, spec: {} };
      try {
        await client.create<Node>('nodes', node);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
    return await writeNodeStatus(client, id);
  } catch (e) {
    throw new AgentError('FLT_ERR_AGENT_REGISTER', `registering node "${id.nodeName}": ${(e as Error).message}`, { cause: e });
  }
}
