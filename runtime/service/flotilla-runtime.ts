/**
 * flotilla-runtime.ts: one runtime instance on one root directory: it loads the on-disk state
 * (restarting nothing), owns the pod network and the managers, and answers the runtime-wide
 * RPCs (Version, Status, UpdateRuntimeConfig). The gRPC layer only translates to and from it.
 */
import { mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StatusResponse, VersionResponse } from '../proto/types.js';
import { StateStore } from '../state/store.js';
import { PodNetwork, DEFAULT_BRIDGE } from '../network/pod-network.js';
import { parseCidr } from '../network/cidr.js';
import { writeFileAtomic } from '../network/etc-files.js';
import { volatileDir } from '../state/volatile-dir.js';
import { KeyedLock } from '../sandbox/keyed-lock.js';
import { DEFAULT_CGROUP_PARENT, type RuntimeContext, errorText } from '../sandbox/context.js';
import type { RuntimeDeps } from '../sandbox/deps.js';
import { SandboxManager } from '../sandbox/sandboxes.js';
import { ContainerManager } from '../sandbox/containers.js';
import { invalid } from './errors.js';

/** RUNTIME_NAME and RUNTIME_VERSION are what Version reports. */
export const RUNTIME_NAME = 'flotilla';
export const RUNTIME_VERSION = '0.1.0';

/** RuntimeOptions configure one runtime instance. */
export interface RuntimeOptions {
  root: string;
  deps: RuntimeDeps;
  cgroupParent?: string;
  podCidr?: string;
  bridge?: string;
  log?: (msg: string) => void;
}

const CONFIG_FILE = 'runtime-config.json';

/** isMountPoint says whether path is mounted over (its device differs from its directory's). */
export function isMountPoint(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}
const LOCK_FILE = 'runtime.pid';

/** RootInUseError: another live runtime already owns this root directory. */
export class RootInUseError extends Error {
  readonly code = 'FLT_ERR_RUNTIME_ROOT_IN_USE';
  constructor(root: string, pid: number) {
    super(`another runtime (pid ${pid}) is using root directory ${root}; stop it first or pick another --root-dir`);
    this.name = 'RootInUseError';
  }
}

function runtimeAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('runtime');
  } catch {
    return false;
  }
}

/** lockRoot records this process as the root's owner, refusing when a live runtime already is. */
export function lockRoot(root: string): void {
  const path = join(root, LOCK_FILE);
  let holder = 0;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    // no lock yet
  }
  if (runtimeAlive(holder)) throw new RootInUseError(root, holder);
  writeFileAtomic(path, `${process.pid}\n`, 0o600);
}

/** FlotillaRuntime is the runtime service's state and logic, independent of gRPC. */
export class FlotillaRuntime {
  readonly ctx: RuntimeContext;
  readonly sandboxes: SandboxManager;
  readonly containers: ContainerManager;

  private constructor(ctx: RuntimeContext) {
    this.ctx = ctx;
    this.sandboxes = new SandboxManager(ctx);
    this.containers = new ContainerManager(ctx, this.sandboxes);
    this.sandboxes.containers = this.containers;
  }

  /**
   * open loads (or starts) the state under `root`; the pod CIDR is the flag's, else the one last set.
   * The caller claims the root with lockRoot first (openRuntime does).
   */
  static open(opts: RuntimeOptions): FlotillaRuntime {
    mkdirSync(opts.root, { recursive: true, mode: 0o700 });
    const log = opts.log ?? ((m: string) => process.stderr.write(`flotilla runtime: ${m}\n`));
    let podCidr = opts.podCidr;
    if (podCidr) parseCidr(podCidr);
    const cfgPath = join(opts.root, CONFIG_FILE);
    if (!podCidr && existsSync(cfgPath)) {
      try {
        podCidr = (JSON.parse(readFileSync(cfgPath, 'utf8')) as { podCidr?: string }).podCidr || undefined;
      } catch (err) {
        log(`ignoring ${cfgPath}: ${errorText(err)}`);
      }
    }
    const store = new StateStore(opts.root);
    store.load();
    for (const s of store.skipped) log(`state: ${s}`);
    const runDir = volatileDir(opts.root);
    const network = new PodNetwork(join(runDir, 'ipam'), { bridge: opts.bridge ?? DEFAULT_BRIDGE, podCidr });
    const cgroupParent = (opts.cgroupParent ?? DEFAULT_CGROUP_PARENT).replace(/\/+$/, '');
    if (!cgroupParent.startsWith('/')) throw invalid('--cgroup-parent', `must be an absolute cgroup path, got "${cgroupParent}"`);
    const rt = new FlotillaRuntime({ root: opts.root, runDir, store, network, deps: opts.deps, locks: new KeyedLock(), cgroupParent, log });
    rt.markLostSandboxes();
    return rt;
  }

  /**
   * markLostSandboxes turns READY sandboxes whose network namespace is no longer mounted (the host
   * rebooted, or someone unmounted it) into NOTREADY, and releases their IPs, so the agent sees
   * them as dead and makes new ones instead of trusting a sandbox that is gone.
   */
  private markLostSandboxes(): void {
    for (const rec of this.ctx.store.listSandboxes()) {
      if (rec.state !== 'SANDBOX_READY' || !rec.namespaces) continue;
      if (isMountPoint(rec.namespaces.net)) continue;
      this.ctx.log(`sandbox ${rec.id}: its network namespace ${rec.namespaces.net} is gone; marking it NOTREADY`);
      this.ctx.network.ipam.release(rec.id);
      rec.state = 'SANDBOX_NOTREADY';
      rec.network = null;
      this.ctx.store.saveSandbox(rec);
    }
  }

  /** version answers the Version RPC. */
  version(): VersionResponse {
    return { version: '0.1.0', runtimeName: RUNTIME_NAME, runtimeVersion: RUNTIME_VERSION, runtimeApiVersion: 'v1' };
  }

  /** updateRuntimeConfig sets the pod CIDR and remembers it for the next start; "" is ignored as CRI says. */
  async updateRuntimeConfig(podCidr: string | undefined): Promise<void> {
    if (!podCidr) return;
    try {
      this.ctx.network.setPodCidr(podCidr);
    } catch (err) {
      throw invalid('runtime_config.network_config.pod_cidr', errorText(err));
    }
    writeFileAtomic(join(this.ctx.root, CONFIG_FILE), JSON.stringify({ podCidr: this.ctx.network.podCidr }) + '\n', 0o600);
    await this.ctx.network.ensureBridge();
  }

  /** status answers the Status RPC: RuntimeReady always, NetworkReady once a pod CIDR is set. */
  status(verbose: boolean): StatusResponse {
    const cidr = this.ctx.network.podCidr;
    const info: Record<string, string> = {};
    if (verbose) {
      info.config = JSON.stringify({ root: this.ctx.root, cgroupParent: this.ctx.cgroupParent, bridge: this.ctx.network.bridge, podCidr: cidr ?? '', cgroupVersion: this.ctx.deps.cgroups.version });
    }
    return {
      status: {
        conditions: [
          { type: 'RuntimeReady', status: true, reason: '', message: '' },
          cidr
            ? { type: 'NetworkReady', status: true, reason: '', message: `pods get addresses from ${cidr} on bridge ${this.ctx.network.bridge}` }
            : { type: 'NetworkReady', status: false, reason: 'NoPodCIDR', message: 'no pod CIDR: set it with UpdateRuntimeConfig or --pod-cidr' },
        ],
      },
      info,
    };
  }
}
