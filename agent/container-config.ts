/**
 * Pod spec → CRI configs, pure: the sandbox config (metadata, hostname, log directory, cgroup
 * parent, the labels that tie it to the pod) and each container's config (command, args, env,
 * workingDir, cgroup resources from requests and limits, the labels and annotations that let the
 * agent rebuild its view after a restart).
 */
import path from 'node:path';
import type { Container, Pod } from '../api/types.js';
import { parseBytes, parseMilli } from '../api/quantity.js';
import type { ContainerConfig, LinuxContainerResources, PodSandboxConfig } from '../runtime/client.js';
import {
  ANNOTATION_RESTART_COUNT, ANNOTATION_RESTART_DELAY, ANNOTATION_TERMINATION_GRACE,
  LABEL_CONTAINER_NAME, LABEL_MANAGED, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
} from './observed-pod.js';

/** CPU_PERIOD_US is the CFS period the kubelet uses (100 ms). */
export const CPU_PERIOD_US = 100_000;
/** MIN_SHARES is the kernel's floor for cpu.shares. */
export const MIN_SHARES = 2;

/** podLogDirectory is where a pod's container logs live: <root>/pods/<ns>_<name>_<uid>. */
export function podLogDirectory(rootDir: string, pod: Readonly<Pod>): string {
  const m = pod.metadata;
  return path.join(rootDir, 'pods', `${m.namespace ?? 'default'}_${m.name}_${m.uid}`);
}

/** containerLogPath is a container attempt's log, relative to the pod's log directory. */
export function containerLogPath(name: string, attempt: number): string {
  return `${name}/${attempt}.log`;
}

/** podLabels are the labels every sandbox and container of a pod carries. */
export function podLabels(pod: Readonly<Pod>): Record<string, string> {
  return {
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? 'default',
    [LABEL_MANAGED]: 'flotilla-agent',
  };
}

/** containerResources maps requests and limits to CFS quota/period, shares and a memory limit. */
export function containerResources(c: Readonly<Container>): LinuxContainerResources {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const out: LinuxContainerResources = {};
  const cpuLimit = limits.cpu !== undefined ? parseMilli(limits.cpu) : undefined;
  const cpuRequest = requests.cpu !== undefined ? parseMilli(requests.cpu) : cpuLimit;
  if (cpuLimit !== undefined && cpuLimit > 0) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = Math.max(1000, Math.floor((cpuLimit * CPU_PERIOD_US) / 1000));
  }
  out.cpuShares = cpuRequest !== undefined ? Math.max(MIN_SHARES, Math.floor((cpuRequest * 1024) / 1000)) : MIN_SHARES;
  if (limits.memory !== undefined) {
    const bytes = parseBytes(limits.memory);
    if (bytes > 0) out.memoryLimitInBytes = bytes;
  }
  return out;
}

/** SandboxOptions are the node-level settings of a sandbox. */
export interface SandboxOptions {
  rootDir: string;
  cgroupParent?: string;
}

/** sandboxConfig builds the PodSandboxConfig of a pod's sandbox attempt. */
export function sandboxConfig(pod: Readonly<Pod>, attempt: number, opts: SandboxOptions): PodSandboxConfig {
  const m = pod.metadata;
  return {
    metadata: { name: m.name ?? '', uid: m.uid ?? '', namespace: m.namespace ?? 'default', attempt },
    hostname: pod.spec.hostname ?? m.name ?? '',
    logDirectory: podLogDirectory(opts.rootDir, pod),
    labels: podLabels(pod),
    annotations: { [ANNOTATION_TERMINATION_GRACE]: String(pod.spec.terminationGracePeriodSeconds ?? 30) },
    portMappings: pod.spec.containers.flatMap((c) =>
      (c.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort ?? 0, hostIp: '' })),
    ),
    linux: { cgroupParent: opts.cgroupParent ?? '' },
  };
}

/** containerConfig builds the ContainerConfig of one attempt of a container. */
export function containerConfig(pod: Readonly<Pod>, c: Readonly<Container>, attempt: number, restartDelayMs: number): ContainerConfig {
  return {
    metadata: { name: c.name, attempt },
    image: { image: c.image },
    command: [...(c.command ?? [])],
    args: [...(c.args ?? [])],
    workingDir: c.workingDir ?? '',
    envs: (c.env ?? []).map((e) => ({ key: e.name, value: e.value ?? '' })),
    labels: { ...podLabels(pod), [LABEL_CONTAINER_NAME]: c.name },
    annotations: { [ANNOTATION_RESTART_COUNT]: String(attempt), [ANNOTATION_RESTART_DELAY]: String(restartDelayMs) },
    logPath: containerLogPath(c.name, attempt),
    linux: { resources: containerResources(c) },
  };
}
