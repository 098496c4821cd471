/**
 * startAgent wires the node agent together: the runtime (found or started), the Node registration
 * and heartbeats, the pod CIDR handed to the runtime, routes to other nodes' pods, the pods
 * informer feeding one worker per pod, the runtime watcher, probes, events and the logs endpoint.
 * It is what `flotilla agent`, `flotilla up` and the lab run; stopping it leaves containers running.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../api/client.js';
import { Informer } from '../api/informer.js';
import type { Node, Pod } from '../api/types.js';
import type { RuntimeClient } from '../runtime/client.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './container-restart/backoff.js';
import { AgentError } from './errors.js';
import { EventRecorder } from './events.js';
import { Heartbeat } from './heartbeat.js';
import { ImagePuller } from './image-puller.js';
import { InFlight } from './in-flight.js';
import { createAgentLogger, type AgentLogger } from './logger.js';
import { startLogsServer } from './logs-server.js';
import { readNodeCapacity } from './node-resources.js';
import { firstIPv4, registerNode, type NodeIdentity } from './node-registration.js';
import { PodWorkers } from './pod-workers.js';
import { ProbeManager } from './probes/prober.js';
import { RouteManager } from './routes.js';
import { ensureRuntime } from './runtime-launcher.js';
import { RuntimeView } from './runtime-view.js';
import { RuntimeWatcher } from './runtime-watcher.js';
import { warmUpRuntime } from './runtime-warmup.js';
import { StartLimiter } from './start-limiter.js';

/** DEFAULT_AGENT_ROOT is where the agent keeps pod logs (and the runtime it starts, its state). */
export const DEFAULT_AGENT_ROOT = '/var/lib/flotilla/agent';
/** DEFAULT_AGENT_PORT is the kubelet's port, where the logs endpoint listens. */
export const DEFAULT_AGENT_PORT = 10250;

/** AgentOptions configure one node agent. */
export interface AgentOptions {
  server: string;
  token: string;
  /** PEM of the API server's CA. */
  caPem?: string;
  /** File holding that PEM (used when caPem is absent). */
  caFile?: string;
  nodeName?: string;
  rootDir?: string;
  runtimeSocket?: string;
  cgroupParent?: string;
  /** InternalIP of the node and address of the logs endpoint (default: first non-loopback IPv4). */
  address?: string;
  /** Port of the logs endpoint (default 10250; 0 picks a free one). */
  port?: number;
  /** Pod CIDR to use when the Node has none (a single node without the controllers). */
  podCidr?: string;
  /** Crash-loop backoff (default 10 s doubling to 5 min). */
  backoff?: BackoffPolicy;
  /** How many pods may create sandboxes and containers at once (default 4). */
  maxConcurrentStarts?: number;
  /** Runtime relist period (default 1 s). */
  relistPeriodMs?: number;
  /** Heartbeat periods (default lease 10 s, status 40 s). */
  heartbeat?: { leasePeriodMs?: number; statusPeriodMs?: number };
  /** Extra arguments for a runtime the agent starts (e.g. ['--bridge', 'flt-test']). */
  runtimeArgs?: string[];
  /** Time to wait for a runtime the agent starts (default 30 s). */
  runtimeTimeoutMs?: number;
  log?: AgentLogger;
}

/** RunningAgent is a started agent. */
export interface RunningAgent {
  nodeName: string;
  address: string;
  /** Port of the logs endpoint. */
  port: number;
  /** The runtime's pid when this agent started it (it outlives the agent). */
  runtimePid?: number;
  /** stop stops watching and serving; containers and the runtime keep running. */
  stop(): Promise<void>;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** startAgent starts a node agent and resolves once it is registered and watching its pods. */
export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  if (!isRoot()) throw new AgentError('FLT_ERR_AGENT_NOT_ROOT', 'flotilla agent needs root: it creates namespaces, cgroups and mounts');
  if (!opts.server) throw new AgentError('FLT_ERR_AGENT_FLAGS', '--server URL is required');
  if (!opts.token) throw new AgentError('FLT_ERR_AGENT_FLAGS', '--token T is required');
  const nodeName = (opts.nodeName ?? os.hostname()).toLowerCase();
  const rootDir = path.resolve(opts.rootDir ?? DEFAULT_AGENT_ROOT);
  const socket = opts.runtimeSocket ?? '/run/flotilla/runtime.sock';
  const address = opts.address ?? firstIPv4();
  const log = opts.log ?? createAgentLogger(nodeName);
  let ca = opts.caPem;
  if (!ca && opts.caFile) {
    try {
      ca = readFileSync(opts.caFile, 'utf8');
    } catch (e) {
      throw new AgentError('FLT_ERR_AGENT_FLAGS', `--ca ${opts.caFile}: ${(e as Error).message}`);
    }
  }
  const client = new ApiClient({ server: opts.server, token: opts.token, ca, userAgent: `flotilla-agent/${nodeName}` });
  const cleanups: (() => unknown)[] = [() => client.close()];
  let stopped = false;
  const undo = async () => {
    for (const f of cleanups.reverse()) await Promise.resolve(f()).catch(() => {});
  };
  try {
    const rt = await ensureRuntime({
      socketPath: socket,
      rootDir: path.join(rootDir, 'runtime'),
      cgroupParent: opts.cgroupParent,
      timeoutMs: opts.runtimeTimeoutMs,
      extraArgs: opts.runtimeArgs,
    });
    if (rt.startedPid) log.info({ pid: rt.startedPid, socket, logFile: rt.logFile }, 'started flotilla runtime');
    const runtime = rt.client;
    cleanups.push(() => runtime.close());
    const version = await runtime.version({});
    await warmUpRuntime(runtime, rootDir);
    // Events wait while pods are being started or their statuses written (see events.ts).
    const urgentCalls = new InFlight();
    const events = new EventRecorder(client, {
      host: nodeName,
      busy: () => urgentCalls.count > 0,
      onError: (e) => log.debug({ err: (e as Error).message }, 'event not recorded'),
    });
    cleanups.push(() => events.close());

    // Pods informer first (its cache answers the logs endpoint), started after registration.
    const pods = new Informer<Pod>(client, 'pods', { fieldSelector: `spec.nodeName=${nodeName}`, onError: (e) => log.warn({ err: (e as Error).message }, 'pods watch') });
    cleanups.push(() => pods.stop());
    const logs = await startLogsServer({
      address, port: opts.port ?? DEFAULT_AGENT_PORT, token: opts.token, rootDir, runtime, log,
      findPod: (ns, name) => pods.get(`${ns}/${name}`),
    });
    cleanups.push(() => logs.close());

    const identity: NodeIdentity = {
      nodeName, address, port: logs.port, capacity: readNodeCapacity(opts.cgroupParent),
      runtimeVersion: `${version.runtimeName || 'flotilla'}://${version.runtimeVersion || '0'}`,
    };
    await registerNode(client, identity);
    log.info({ address, port: logs.port, capacity: identity.capacity }, 'node registered');
    const heartbeat = new Heartbeat(client, identity, { ...opts.heartbeat, onError: (what, e) => log.warn({ err: (e as Error).message }, `heartbeat: ${what}`) });
    heartbeat.start();
    cleanups.push(() => heartbeat.stop());

    // Pod CIDR: from the Node (the controllers allocate it), else the --pod-cidr fallback.
    let podCidr = '';
    let cidrUpdate: Promise<void> = Promise.resolve();
    const view = new RuntimeView(runtime);
    const probes = new ProbeManager(runtime, {
      changed: (uid) => workers.wake(uid),
      failed: (uid, container, kind, message) => {
        const pod = pods.list().find((p) => p.metadata.uid === uid);
        if (pod) events.record(pod, 'Warning', 'Unhealthy', `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed: ${message}`, container);
      },
    });
    cleanups.push(() => probes.stop());
    let watcher: RuntimeWatcher | undefined;
    const workers: PodWorkers = new PodWorkers({
      runtime, view, client, probes, events, log, rootDir,
      images: new ImagePuller(runtime),
      starts: new StartLimiter(opts.maxConcurrentStarts ?? 4),
      urgentCalls,
      cgroupParent: opts.cgroupParent,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      hostIP: () => address,
      podCidrReady: () => podCidr !== '',
      observed: (uid, print) => watcher?.observed(uid, print),
    });
    cleanups.push(() => workers.stop());

    let wantedCidr = '';
    const setCidr = (cidr: string) => {
      if (!cidr || cidr === wantedCidr) return;
      wantedCidr = cidr;
      cidrUpdate = cidrUpdate.then(async () => {
        await runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: cidr } } });
        const first = podCidr === '';
        podCidr = cidr;
        log.info({ podCIDR: cidr }, 'pod CIDR set');
        if (first) workers.wakeAll();
      }).catch((e) => {
        // Retried at the next Node event (at the latest the agent's own status beat).
        if (wantedCidr === cidr) wantedCidr = podCidr;
        log.error({ err: (e as Error).message, podCIDR: cidr }, 'UpdateRuntimeConfig failed');
      });
    };
    const routes = new RouteManager(nodeName, ['ip'], (e) => log.warn({ err: (e as Error).message }, 'route'));
    const nodes = new Informer<Node>(client, 'nodes', { onError: (e) => log.warn({ err: (e as Error).message }, 'nodes watch') });
    cleanups.push(() => nodes.stop());
    const onNodes = () => {
      const self = nodes.get(nodeName);
      setCidr(self?.spec?.podCIDR || (wantedCidr ? '' : opts.podCidr ?? ''));
      void routes.sync(nodes.list());
    };
    nodes.on('add', onNodes).on('update', onNodes).on('delete', (n) => {
      onNodes();
      // Someone deleted this node's Node: register it again, as the kubelet does.
      if (n.metadata.name === nodeName && !stopped) {
        registerNode(client, identity).then(
          () => log.info({}, 'node registered again after its Node was deleted'),
          (e) => log.error({ err: (e as Error).message }, 'registering the node again failed'),
        );
      }
    });
    await nodes.start();
    onNodes();
    await cidrUpdate;
    if (!podCidr) log.warn({}, 'the Node has no spec.podCIDR yet (and no --pod-cidr): waiting for it before starting pods');

    // After the first list, an add is a pod created since: the runtime cannot hold anything of it yet.
    pods.on('add', (p) => workers.upsert(p, pods.hasSynced()));
    pods.on('update', (_o, p) => workers.upsert(p));
    pods.on('delete', (p) => workers.remove(p));
    await pods.start();
    watcher = new RuntimeWatcher(view, workers, log, opts.relistPeriodMs ?? 1000);
    watcher.start();
    cleanups.push(() => watcher?.stop());
    log.info({ pods: workers.size }, 'agent ready');

    return {
      nodeName,
      address,
      port: logs.port,
      runtimePid: rt.startedPid,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await events.flush(1000);
        await undo();
      },
    };
  } catch (e) {
    await undo();
    throw e;
  }
}
