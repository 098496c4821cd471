/**
 * generateSpec: a container description → a runtime-spec 1.0.2 config.json with Docker's
 * hardened defaults. Pure: no file is read or written, so the runtime service, the tests
 * and `flotilla oci` all get the same document for the same input.
 */
import { validateResources } from '../cgroups/resources.js';
import type { CgroupResources } from '../cgroups/types.js';
import {
  ALL_CAPABILITIES, DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS, DEFAULT_PATH, DEFAULT_READONLY_PATHS,
  defaultDeviceRules, defaultRlimits, defaultMounts,
} from './defaults.js';
import { OciError } from './errors.js';
import { OCI_VERSION, type OciLinuxResources, type OciMount, type OciNamespace, type OciNamespaceType, type OciSpec } from './oci-types.js';

/** ContainerSpecInput describes one container in the terms the runtime service knows. */
export interface ContainerSpecInput {
  args: string[];
  env?: string[];
  cwd?: string;
  hostname?: string;
  /** rootfs is the root directory, absolute or relative to the bundle. */
  rootfs: string;
  readonlyRootfs?: boolean;
  user?: { uid: number; gid: number; additionalGids?: number[] };
  /** namespaces replaces the default set (new pid, mount, uts, ipc, network); a `path` joins an existing one. */
  namespaces?: { type: 'pid' | 'mount' | 'uts' | 'ipc' | 'network' | 'cgroup'; path?: string }[];
  resources?: CgroupResources;
  /** cgroupsPath is absolute from the root of each hierarchy, e.g. `/flotilla/pod-a/c1`. */
  cgroupsPath: string;
  /** mounts are extra bind mounts, after the standard ones. */
  mounts?: { source: string; destination: string; readonly?: boolean }[];
  capabilitiesAdd?: string[];
  capabilitiesDrop?: string[];
  annotations?: Record<string, string>;
  /** rlimitNofile overrides the open-file limit (default: 1048576, or the most this host allows). */
  rlimitNofile?: number;
  /** privileged is deliberately not offered. */
  privileged?: never;
}

/** DEFAULT_NAMESPACES is what a container gets when its description names none. */
export const DEFAULT_NAMESPACES: OciNamespaceType[] = ['pid', 'ipc', 'uts', 'mount', 'network'];

const NAMESPACE_TYPES = new Set(['pid', 'mount', 'uts', 'ipc', 'network', 'cgroup']);

function fail(field: string, why: string): never {
  throw new OciError('FLT_ERR_OCI_SPEC', `spec.${field}: ${why}`);
}

function isAbsClean(p: string): boolean {
  return p.startsWith('/') && !p.split('/').includes('..');
}

function capName(field: string, raw: string): string {
  if (typeof raw !== 'string') fail(field, 'capability names must be strings');
  const up = raw.toUpperCase();
  if (up === 'ALL') return 'ALL';
  const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!ALL_CAPABILITIES.includes(name)) fail(field, `unknown capability "${raw}"`);
  return name;
}

/** capabilitySet applies drops then adds to Docker's default set ("ALL" is allowed in either list). */
export function capabilitySet(add: string[] = [], drop: string[] = []): string[] {
  const adds = add.map((c) => capName('capabilitiesAdd', c));
  const drops = drop.map((c) => capName('capabilitiesDrop', c));
  let caps = drops.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c));
  if (adds.includes('ALL')) caps = [...ALL_CAPABILITIES];
  for (const c of adds) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  return caps;
}

function namespaces(input: ContainerSpecInput['namespaces']): OciNamespace[] {
  if (input === undefined) return DEFAULT_NAMESPACES.map((type) => ({ type }));
  const seen = new Set<string>();
  const out: OciNamespace[] = [];
  input.forEach((ns, i) => {
    if (!NAMESPACE_TYPES.has(ns.type)) fail(`namespaces[${i}].type`, `unknown namespace type "${String(ns.type)}"`);
    if (seen.has(ns.type)) fail(`namespaces[${i}].type`, `"${ns.type}" appears twice`);
    if (ns.path !== undefined && !isAbsClean(ns.path)) fail(`namespaces[${i}].path`, `must be an absolute path, got "${ns.path}"`);
    seen.add(ns.type);
    out.push(ns.path === undefined ? { type: ns.type } : { type: ns.type, path: ns.path });
  });
  // pivot_root and the standard mounts need a mount namespace of the container's own.
  if (!seen.has('mount')) out.push({ type: 'mount' });
  return out;
}

/** ociResources turns Flotilla's resource fields into config.json's linux.resources (with the device rules). */
export function ociResources(r: CgroupResources = {}): OciLinuxResources {
  const out: OciLinuxResources = { devices: r.devices ? r.devices.map((d) => ({ ...d })) : defaultDeviceRules() };
  if (r.memoryBytes !== undefined) out.memory = { limit: r.memoryBytes };
  if (r.cpuQuota !== undefined || r.cpuPeriod !== undefined || r.cpuShares !== undefined) {
    out.cpu = {
      ...(r.cpuShares !== undefined ? { shares: r.cpuShares } : {}),
      ...(r.cpuQuota !== undefined ? { quota: r.cpuQuota } : {}),
      ...(r.cpuPeriod !== undefined ? { period: r.cpuPeriod } : {}),
    };
  }
  if (r.pidsLimit !== undefined) out.pids = { limit: r.pidsLimit };
  return out;
}

/** cgroupResources reads the limits Flotilla applies out of config.json's linux.resources (device rules plus the standard nodes). */
export function cgroupResources(r: OciLinuxResources | undefined): CgroupResources {
  const out: CgroupResources = {};
  if (!r) return out;
  if (typeof r.memory?.limit === 'number' && r.memory.limit > 0) out.memoryBytes = r.memory.limit;
  if (typeof r.cpu?.quota === 'number') out.cpuQuota = r.cpu.quota;
  if (typeof r.cpu?.period === 'number' && r.cpu.period > 0) out.cpuPeriod = r.cpu.period;
  if (typeof r.cpu?.shares === 'number' && r.cpu.shares > 0) out.cpuShares = r.cpu.shares;
  if (typeof r.pids?.limit === 'number') out.pidsLimit = r.pids.limit;
  if (Array.isArray(r.devices) && r.devices.length > 0) {
    // As runc and crun do, the standard nodes every container's /dev holds stay allowed after the spec's rules;
    // one the spec already allows after its last deny rule is not written twice (ours, the default, allows all).
    const key = (d: { type?: string; major?: number; minor?: number; access?: string }): string => `${d.type ?? 'a'} ${d.major ?? -1}:${d.minor ?? -1} ${d.access ?? 'rwm'}`;
    const allowed = new Set<string>();
    for (const d of r.devices) {
      if (d.allow === true) allowed.add(key(d));
      else allowed.clear();
    }
    const standard = defaultDeviceRules().filter((d) => d.allow && !allowed.has(key(d)));
    out.devices = [...r.devices, ...standard].map((d) => ({
      allow: d.allow === true,
      ...(d.type !== undefined ? { type: d.type } : {}),
      ...(d.major !== undefined ? { major: d.major } : {}),
      ...(d.minor !== undefined ? { minor: d.minor } : {}),
      ...(d.access !== undefined ? { access: d.access } : {}),
    }));
  }
  return out;
}

function checkInput(c: ContainerSpecInput): void {
  if (!Array.isArray(c.args) || c.args.length === 0 || c.args.some((a) => typeof a !== 'string')) {
    fail('args', 'must be a non-empty array of strings');
  }
  if (c.args[0] === '') fail('args[0]', 'the executable must not be empty');
  if (typeof c.rootfs !== 'string' || c.rootfs === '') fail('rootfs', 'required');
  if (c.cwd !== undefined && !isAbsClean(c.cwd)) fail('cwd', `must be an absolute path, got "${c.cwd}"`);
  if (typeof c.cgroupsPath !== 'string' || !isAbsClean(c.cgroupsPath) || c.cgroupsPath === '/') {
    fail('cgroupsPath', `must be an absolute path below the cgroup root, got "${String(c.cgroupsPath)}"`);
  }
  (c.env ?? []).forEach((e, i) => {
    if (typeof e !== 'string' || e.indexOf('=') <= 0) fail(`env[${i}]`, `must look like NAME=value, got "${String(e)}"`);
  });
  if (c.user) {
    for (const k of ['uid', 'gid'] as const) {
      if (!Number.isInteger(c.user[k]) || c.user[k] < 0) fail(`user.${k}`, 'must be an integer >= 0');
    }
    (c.user.additionalGids ?? []).forEach((g, i) => {
      if (!Number.isInteger(g) || g < 0) fail(`user.additionalGids[${i}]`, 'must be an integer >= 0');
    });
  }
  (c.mounts ?? []).forEach((m, i) => {
    if (!isAbsClean(m.destination) || m.destination === '/') fail(`mounts[${i}].destination`, `must be an absolute path other than /, got "${m.destination}"`);
    if (typeof m.source !== 'string' || !m.source.startsWith('/')) fail(`mounts[${i}].source`, `must be an absolute host path, got "${String(m.source)}"`);
  });
  if (c.rlimitNofile !== undefined && (!Number.isSafeInteger(c.rlimitNofile) || c.rlimitNofile < 1)) {
    fail('rlimitNofile', 'must be an integer >= 1');
  }
  if ((c as { privileged?: unknown }).privileged !== undefined) fail('privileged', 'privileged containers are not supported');
  if (c.hostname !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/.test(c.hostname)) {
    fail('hostname', `"${c.hostname}" is not a valid host name`);
  }
}

function withPath(env: string[] | undefined): string[] {
  const out = [...(env ?? [])];
  if (!out.some((e) => e.startsWith('PATH='))) out.unshift(DEFAULT_PATH);
  return out;
}

/** generateSpec builds the config.json for one container; it throws OciError naming the bad field. */
export function generateSpec(c: ContainerSpecInput): OciSpec {
  checkInput(c);
  const caps = capabilitySet(c.capabilitiesAdd, c.capabilitiesDrop);
  try {
    validateResources(c.resources ?? {});
  } catch (err) {
    throw new OciError('FLT_ERR_OCI_SPEC', `spec.${(err as Error).message}`);
  }
  const nss = namespaces(c.namespaces);
  if (c.hostname !== undefined && !nss.some((n) => n.type === 'uts' && n.path === undefined)) {
    fail('hostname', 'setting a hostname needs a new uts namespace');
  }
  const binds: OciMount[] = (c.mounts ?? []).map((m) => ({
    destination: m.destination,
    type: 'bind',
    source: m.source,
    options: ['rbind', 'rprivate', m.readonly ? 'ro' : 'rw'],
  }));
  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user: {
        uid: c.user?.uid ?? 0,
        gid: c.user?.gid ?? 0,
        ...(c.user?.additionalGids?.length ? { additionalGids: [...c.user.additionalGids] } : {}),
      },
      args: [...c.args],
      env: withPath(c.env),
      cwd: c.cwd ?? '/',
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      rlimits: defaultRlimits(c.rlimitNofile),
      noNewPrivileges: true,
    },
    root: { path: c.rootfs, readonly: c.readonlyRootfs === true },
    ...(c.hostname !== undefined ? { hostname: c.hostname } : {}),
    mounts: [...defaultMounts(), ...binds],
    ...(c.annotations ? { annotations: { ...c.annotations } } : {}),
    linux: {
      namespaces: nss,
      cgroupsPath: c.cgroupsPath,
      resources: ociResources(c.resources),
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
  return spec;
}
