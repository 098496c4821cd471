/**
 * container-spec.ts: pure translation of a CRI ContainerConfig plus the image's config into the
 * container description generateSpec takes: command and args merged with Entrypoint and Cmd as
 * Kubernetes does, env merged over the image's, resources mapped to cgroup terms, the sandbox's
 * namespaces joined by path, and the pod's /etc/hosts and /etc/resolv.conf bound in.
 */
import type { ContainerConfig, KeyValue, LinuxContainerResources } from '../proto/types.js';
import type { CgroupResources } from '../cgroups/types.js';
import type { ContainerSpecInput } from '../oci/spec.js';
import type { SandboxNamespaces } from '../state/records.js';
import { invalid } from '../service/errors.js';

/** ImageProcessConfig is what the image's config contributes to the container's process. */
export interface ImageProcessConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
}

/**
 * mergeCommand decides the process args the Kubernetes way: command replaces Entrypoint (and
 * then the image's Cmd is dropped), args replaces Cmd; with neither, Entrypoint + Cmd.
 */
export function mergeCommand(image: ImageProcessConfig, command: string[] = [], args: string[] = []): string[] {
  if (command.length > 0) return [...command, ...args];
  const entry = image.entrypoint ?? [];
  return args.length > 0 ? [...entry, ...args] : [...entry, ...(image.cmd ?? [])];
}

/** mergeEnv overlays the container's envs on the image's env; a later key replaces an earlier one in place. */
export function mergeEnv(imageEnv: string[] = [], envs: KeyValue[] = []): string[] {
  const order: string[] = [];
  const values = new Map<string, string>();
  const put = (key: string, value: string): void => {
    if (!values.has(key)) order.push(key);
    values.set(key, value);
  };
  for (const e of imageEnv) {
    const eq = e.indexOf('=');
    if (eq > 0) put(e.slice(0, eq), e.slice(eq + 1));
  }
  envs.forEach((kv, i) => {
    if (!kv.key || kv.key.includes('=')) throw invalid(`config.envs[${i}].key`, `"${kv.key}" is not a valid variable name`);
    put(kv.key, kv.value ?? '');
  });
  return order.map((k) => `${k}=${values.get(k)}`);
}

/** cgroupResourcesOf maps CRI LinuxContainerResources to cgroup limits; zero means "not set". */
export function cgroupResourcesOf(r: LinuxContainerResources | null | undefined, pidsLimit?: number): CgroupResources {
  const out: CgroupResources = {};
  if (r?.memoryLimitInBytes && r.memoryLimitInBytes > 0) out.memoryBytes = r.memoryLimitInBytes;
  if (r?.cpuPeriod && r.cpuPeriod > 0) out.cpuPeriod = r.cpuPeriod;
  if (r?.cpuQuota && r.cpuQuota !== 0) out.cpuQuota = r.cpuQuota;
  if (r?.cpuShares && r.cpuShares > 0) out.cpuShares = r.cpuShares;
  if (pidsLimit !== undefined && pidsLimit > 0) out.pidsLimit = pidsLimit;
  return out;
}

/** parsePasswd finds a user by name or uid in /etc/passwd text: uid, gid, or undefined. */
export function parsePasswd(text: string, who: string): { uid: number; gid: number } | undefined {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4) continue;
    if (f[0] === who || f[2] === who) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/** parseGroup finds a group's gid by name or number in /etc/group text. */
export function parseGroup(text: string, which: string): number | undefined {
  if (/^\d+$/.test(which)) return Number(which);
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] === which) return Number(f[2]);
  }
  return undefined;
}

/**
 * resolveUser turns an image's User ("", "1000", "1000:1000", "nobody", "app:staff") into ids,
 * reading the rootfs's passwd and group texts; an unknown name is an INVALID_ARGUMENT. Either text
 * may be given as a function that reads it: it is called only when the user needs that file (most
 * images run as root, "", and need neither).
 */
export function resolveUser(user: string | undefined, passwdText: string | (() => string), groupText: string | (() => string)): { uid: number; gid: number } {
  if (!user) return { uid: 0, gid: 0 };
  const passwd = typeof passwdText === 'function' ? passwdText() : passwdText;
  const group = (): string => (typeof groupText === 'function' ? groupText() : groupText);
  const [u, g] = user.split(':', 2) as [string, string | undefined];
  let uid: number;
  let gid: number;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    gid = parsePasswd(passwd, u)?.gid ?? 0;
  } else {
    const found = parsePasswd(passwd, u);
    if (!found) throw invalid('image.config.User', `user "${u}" not found in the image's /etc/passwd`);
    ({ uid, gid } = found);
  }
  if (g !== undefined && g !== '') {
    const gg = parseGroup(group(), g);
    if (gg === undefined) throw invalid('image.config.User', `group "${g}" not found in the image's /etc/group`);
    gid = gg;
  }
  return { uid, gid };
}

/** ContainerSpecContext is what the sandbox and the image store add to a ContainerConfig. */
export interface ContainerSpecContext {
  config: ContainerConfig;
  image: ImageProcessConfig;
  user: { uid: number; gid: number };
  rootfs: string;
  namespaces: SandboxNamespaces;
  cgroupsPath: string;
  hostsPath: string;
  resolvConfPath: string;
  /** shmPath is the pod's shared /dev/shm directory (the ipc namespace is shared, so is shm). */
  shmPath?: string;
}

/** containerSpecInput builds generateSpec's input; it throws INVALID_ARGUMENT naming the config field. */
export function containerSpecInput(ctx: ContainerSpecContext): ContainerSpecInput {
  const { config } = ctx;
  const args = mergeCommand(ctx.image, config.command ?? [], config.args ?? []);
  if (args.length === 0) throw invalid('config.command', 'no command: neither the config nor the image gives one');
  const mounts: NonNullable<ContainerSpecInput['mounts']> = [
    { source: ctx.hostsPath, destination: '/etc/hosts', readonly: false },
    { source: ctx.resolvConfPath, destination: '/etc/resolv.conf', readonly: false },
  ];
  if (ctx.shmPath) mounts.push({ source: ctx.shmPath, destination: '/dev/shm', readonly: false });
  (config.mounts ?? []).forEach((m, i) => {
    if (!m.containerPath?.startsWith('/')) throw invalid(`config.mounts[${i}].container_path`, `must be absolute, got "${m.containerPath ?? ''}"`);
    if (!m.hostPath?.startsWith('/')) throw invalid(`config.mounts[${i}].host_path`, `must be absolute, got "${m.hostPath ?? ''}"`);
    mounts.push({ source: m.hostPath, destination: m.containerPath, readonly: m.readonly === true });
  });
  const sc = config.linux?.securityContext;
  const cwd = config.workingDir || ctx.image.workingDir || '/';
  if (!cwd.startsWith('/')) throw invalid('config.working_dir', `must be absolute, got "${cwd}"`);
  return {
    args,
    env: mergeEnv(ctx.image.env, config.envs ?? []),
    cwd,
    rootfs: ctx.rootfs,
    readonlyRootfs: sc?.readonlyRootfs === true,
    user: ctx.user,
    namespaces: [
      { type: 'pid' },
      { type: 'mount' },
      { type: 'network', path: ctx.namespaces.net },
      { type: 'ipc', path: ctx.namespaces.ipc },
      { type: 'uts', path: ctx.namespaces.uts },
    ],
    resources: cgroupResourcesOf(config.linux?.resources),
    cgroupsPath: ctx.cgroupsPath,
    mounts,
    capabilitiesAdd: sc?.capabilities?.addCapabilities ?? [],
    capabilitiesDrop: sc?.capabilities?.dropCapabilities ?? [],
    annotations: { ...(config.annotations ?? {}) },
  };
}
