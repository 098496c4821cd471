/**
 * sandboxes.ts: the pod sandbox lifecycle. RunPodSandbox makes the pod's persistent net, ipc
 * and uts namespaces, its cgroup, its network (veth on the bridge, IP from IPAM) and its
 * /etc/hosts and /etc/resolv.conf; Stop kills its containers and gives the network back;
 * Remove takes everything else away. Each step is undone if a later one fails.
 */
import { mkdirSync, existsSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PodSandboxConfig, PodSandboxFilter, PodSandbox, PodSandboxStatusResponse, StringMap } from '../proto/types.js';
import { RECORD_VERSION, type SandboxRecord } from '../state/records.js';
import { hostsFile, resolvConf, readHostResolvConf } from '../network/etc-files.js';
import { NetworkNotConfiguredError } from '../network/pod-network.js';
import { RuntimeServiceError, invalid, notFound } from '../service/errors.js';
import { cgroupResourcesOf } from './container-spec.js';
import { sandboxMatches, uniqueIdPrefix } from './status.js';
import { type RuntimeContext, newId, nowNs, errorText } from './context.js';
import type { ContainerManager } from './containers.js';
import type { CgroupResources } from '../cgroups/types.js';
import { validateResources } from '../cgroups/resources.js';
import { StepTimer } from './step-timer.js';

/** POD_LIMIT_ANNOTATIONS name annotations that set pod cgroup limits when linux.resources does not. */
export const POD_LIMIT_ANNOTATIONS = {
  memoryBytes: 'flotilla.io/pod-memory-limit-bytes',
  cpuQuota: 'flotilla.io/pod-cpu-quota',
  cpuPeriod: 'flotilla.io/pod-cpu-period',
  cpuShares: 'flotilla.io/pod-cpu-shares',
  pidsLimit: 'flotilla.io/pod-pids-limit',
} as const;

/** podHostname is the sandbox's hostname: the config's, else the pod name, cut to 63 characters. */
export function podHostname(config: PodSandboxConfig): string {
  const raw = config.hostname || config.metadata?.name || '';
  const cut = raw.slice(0, 63).replace(/[-.]+$/, '');
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*)$/.test(cut)) {
    throw invalid(config.hostname ? 'config.hostname' : 'config.metadata.name', `"${raw}" is not a valid host name`);
  }
  return cut;
}

/** podCgroupResources picks the pod cgroup limits from linux.resources, else from the annotations. */
export function podCgroupResources(config: PodSandboxConfig): CgroupResources {
  const fromLinux = cgroupResourcesOf(config.linux?.resources);
  if (Object.keys(fromLinux).length > 0) return checked('config.linux.resources', fromLinux);
  const out: CgroupResources = {};
  const ann: StringMap = config.annotations ?? {};
  for (const [field, key] of Object.entries(POD_LIMIT_ANNOTATIONS) as [keyof typeof POD_LIMIT_ANNOTATIONS, string][]) {
    const v = ann[key];
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw invalid(`config.annotations["${key}"]`, `must be an integer, got "${v}"`);
    out[field] = n;
  }
  return checked('config.annotations', out);
}

function checked(field: string, r: CgroupResources): CgroupResources {
  try {
    validateResources(r);
  } catch (err) {
    throw invalid(field, errorText(err));
  }
  return r;
}

function validateConfig(config: PodSandboxConfig | null | undefined): asserts config is PodSandboxConfig {
  if (!config) throw invalid('config', 'required');
  const md = config.metadata;
  if (!md) throw invalid('config.metadata', 'required');
  if (!md.name) throw invalid('config.metadata.name', 'required');
  if (!md.namespace) throw invalid('config.metadata.namespace', 'required');
  if (!md.uid) throw invalid('config.metadata.uid', 'required');
  if (config.logDirectory && !config.logDirectory.startsWith('/')) {
    throw invalid('config.log_directory', `must be an absolute path, got "${config.logDirectory}"`);
  }
  if (config.linux?.cgroupParent && !config.linux.cgroupParent.startsWith('/')) {
    throw invalid('config.linux.cgroup_parent', `must be an absolute cgroup path, got "${config.linux.cgroupParent}"`);
  }
}

/** SandboxManager implements the sandbox RPCs over the shared runtime context. */
export class SandboxManager {
  containers!: ContainerManager;

  constructor(private readonly ctx: RuntimeContext) {}

  /** resolveId finds a sandbox by full id or unique prefix (crictl allows prefixes). */
  resolveId(idOrPrefix: string): string | undefined {
    if (!idOrPrefix) return undefined;
    if (this.ctx.store.getSandbox(idOrPrefix)) return idOrPrefix; // the agent's case: no scan of every sandbox
    return uniqueIdPrefix(this.ctx.store.listSandboxes().map((s) => s.id), idOrPrefix).id;
  }

  /** get returns the record or throws NOT_FOUND. */
  get(id: string): SandboxRecord {
    if (!id) throw invalid('pod_sandbox_id', 'required');
    const full = this.resolveId(id);
    const rec = full ? this.ctx.store.getSandbox(full) : undefined;
    if (!rec) throw notFound('pod sandbox', id);
    return rec;
  }

  /** run creates a ready sandbox and returns its id. */
  async run(config: PodSandboxConfig | null | undefined, runtimeHandler = ''): Promise<string> {
    validateConfig(config);
    if (runtimeHandler) throw invalid('runtime_handler', `unknown runtime handler "${runtimeHandler}" (only the default "" exists)`);
    const hostname = podHostname(config);
    const resources = podCgroupResources(config);
    const md = config.metadata!;
    const dup = this.ctx.store.findSandbox((s) => {
      const m = s.config.metadata!;
      return m.name === md.name && m.namespace === md.namespace && m.uid === md.uid && (m.attempt ?? 0) === (md.attempt ?? 0);
    });
    if (dup) {
      throw new RuntimeServiceError('FLT_ERR_RUNTIME_EXISTS',
        `pod sandbox ${md.namespace}/${md.name} (uid ${md.uid}, attempt ${md.attempt ?? 0}) already exists as ${dup.id}`);
    }
    if (!this.ctx.network.podCidr) throw new NetworkNotConfiguredError();

    const id = newId();
    // The record stays on disk (the store's log); the files a reboot ends go to the volatile dir.
    const dir = join(this.ctx.runDir, 'sandboxes', id);
    const parent = (config.linux?.cgroupParent || this.ctx.cgroupParent).replace(/\/+$/, '');
    const rec: SandboxRecord = {
      version: RECORD_VERSION,
      id,
      createdAt: nowNs(),
      config,
      runtimeHandler,
      state: 'SANDBOX_NOTREADY',
      hostname,
      dir,
      namespaces: null,
      cgroupPath: `${parent}/flotilla-pod-${id.slice(0, 16)}`,
      network: null,
    };
    return this.ctx.locks.run(id, async () => {
      const timer = new StepTimer(`RunPodSandbox ${id.slice(0, 12)}`);
      // The record goes to disk first, so a crash half-way leaves something RemovePodSandbox can clean.
      this.ctx.store.saveSandbox(rec);
      timer.mark('record');
      try {
        if (config.logDirectory) mkdirSync(config.logDirectory, { recursive: true });
        mkdirSync(join(dir, 'shm'), { recursive: true });
        chmodSync(join(dir, 'shm'), 0o1777);
        const ns = await this.ctx.deps.namespaces.create(join(dir, 'ns'), ['net', 'ipc', 'uts'], hostname);
        rec.namespaces = ns;
        timer.mark('namespaces');
        // The veth pair is made on a worker thread (rtnetlink) while the cgroup and files are made here.
        const attaching = this.ctx.network.attach(id, ns.net);
        try {
          this.ctx.deps.cgroups.create(rec.cgroupPath, resources);
          writeFileSync(join(dir, 'resolv.conf'), resolvConf(config.dnsConfig, readHostResolvConf()), { mode: 0o644 });
        } catch (err) {
          await attaching.catch(() => undefined);
          throw err;
        }
        timer.mark('cgroup+resolv');
        const net = await attaching;
        timer.mark('network');
        rec.network = { ip: net.ip, prefix: net.prefix, gateway: net.gateway, hostVeth: net.hostVeth, cidr: net.cidr };
        // Nobody reads these before the sandbox is ready, so they need no temp-and-rename.
        writeFileSync(join(dir, 'hosts'), hostsFile(hostname, net.ip), { mode: 0o644 });
        rec.state = 'SANDBOX_READY';
        this.ctx.store.saveSandbox(rec);
        timer.mark('files');
        timer.done(this.ctx.log);
        return id;
      } catch (err) {
        await this.teardown(rec).catch((e) => this.ctx.log(`sandbox ${id}: cleanup after failed RunPodSandbox: ${errorText(e)}`));
        throw err;
      }
    });
  }

  /** stop kills the sandbox's containers and releases its network; unknown ids succeed. */
  async stop(id: string): Promise<void> {
    if (!id) throw invalid('pod_sandbox_id', 'required');
    const full = this.resolveId(id);
    if (!full) return;
    await this.ctx.locks.run(full, async () => {
      const rec = this.ctx.store.getSandbox(full);
      if (!rec) return;
      for (const c of this.ctx.store.listContainers(full)) await this.containers.stop(c.id, 0);
      await this.ctx.network.detach(full);
      rec.network = null;
      rec.state = 'SANDBOX_NOTREADY';
      this.ctx.store.saveSandbox(rec);
    });
  }

  /** remove stops and removes the sandbox's containers, namespaces, cgroup and files; unknown ids succeed. */
  async remove(id: string): Promise<void> {
    if (!id) throw invalid('pod_sandbox_id', 'required');
    const full = this.resolveId(id);
    if (!full) return;
    await this.ctx.locks.run(full, async () => {
      const rec = this.ctx.store.getSandbox(full);
      if (!rec) return;
      for (const c of this.ctx.store.listContainers(full)) await this.containers.remove(c.id);
      await this.teardown(rec);
    });
  }

  /** teardown undoes whatever of the sandbox exists: network, namespaces, cgroup, directory, record. */
  private async teardown(rec: SandboxRecord): Promise<void> {
    await this.ctx.network.detach(rec.id);
    if (existsSync(join(rec.dir, 'ns'))) await this.ctx.deps.namespaces.remove(join(rec.dir, 'ns'));
    rmSync(rec.dir, { recursive: true, force: true });
    if (this.ctx.deps.cgroups.exists(rec.cgroupPath)) {
      this.ctx.deps.cgroups.killAll(rec.cgroupPath);
      await this.ctx.deps.cgroups.remove(rec.cgroupPath, 5000);
    }
    this.ctx.store.deleteSandbox(rec.id);
  }

  /** status builds PodSandboxStatusResponse; verbose adds namespace paths, cgroup and config. */
  status(id: string, verbose = false): PodSandboxStatusResponse {
    const rec = this.get(id);
    const info: StringMap = {};
    if (verbose) {
      info.netns = rec.namespaces?.net ?? '';
      info.ipcns = rec.namespaces?.ipc ?? '';
      info.utsns = rec.namespaces?.uts ?? '';
      info.cgroup = rec.cgroupPath;
      info.hostname = rec.hostname;
      info.hostVeth = rec.network?.hostVeth ?? '';
      info.config = JSON.stringify(rec.config);
    }
    return {
      status: {
        id: rec.id,
        metadata: { name: '', uid: '', namespace: '', attempt: 0, ...rec.config.metadata },
        state: rec.state,
        createdAt: rec.createdAt,
        network: { ip: rec.network?.ip ?? '', additionalIps: [] },
        linux: { namespaces: { options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD', targetId: '' } } },
        labels: rec.config.labels ?? {},
        annotations: rec.config.annotations ?? {},
        runtimeHandler: rec.runtimeHandler,
      },
      info,
      containersStatuses: [],
      timestamp: nowNs(),
    };
  }

  /** list returns the sandboxes matching the filter. */
  list(filter: PodSandboxFilter | null | undefined): PodSandbox[] {
    return this.ctx.store
      .listSandboxes()
      .filter((s) => sandboxMatches({ id: s.id, state: s.state, labels: s.config.labels }, filter))
      .map((s) => ({
        id: s.id,
        metadata: { name: '', uid: '', namespace: '', attempt: 0, ...s.config.metadata },
        state: s.state,
        createdAt: s.createdAt,
        labels: s.config.labels ?? {},
        annotations: s.config.annotations ?? {},
        runtimeHandler: s.runtimeHandler,
      }));
  }
}
