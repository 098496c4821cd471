/**
 * Runs the liveness, readiness and startup probes of running containers on their own timers and
 * keeps the results (pure threshold logic in probe-state.ts). A result that flips wakes the pod's
 * worker, which restarts an unhealthy container or rewrites readiness; liveness and readiness wait
 * for the startup probe, as in Kubernetes.
 */
import type { Container, Probe } from '../../api/types.js';
import type { RuntimeClient } from '../../runtime/client.js';
import { execProbe } from './exec.js';
import { httpProbe } from './http-get.js';
import { initialProbeState, probeSettings, recordProbe, type ProbeKind, type ProbeSettings, type ProbeState } from './probe-state.js';
import { tcpProbe, type ProbeOutcome } from './tcp-socket.js';

/** ProbeTarget is one running container to probe. */
export interface ProbeTarget {
  containerId: string;
  container: Readonly<Container>;
  podIP: string;
  /** Results the API already shows for this very container (kept across an agent restart). */
  knownReady?: boolean;
  knownStarted?: boolean;
}

/** PodProbeResults are what a pod worker reads: by container id. */
export interface PodProbeResults {
  livenessFailed: Set<string>;
  readiness: Map<string, boolean>;
  startup: Map<string, boolean>;
}

/** ProbeEvents are the callbacks of the manager. */
export interface ProbeEvents {
  /** A result flipped: the pod's worker should sync. */
  changed(podUid: string): void;
  /** A probe run failed (the kubelet's Unhealthy event). */
  failed?(podUid: string, containerName: string, kind: ProbeKind, message: string): void;
}

/** resolvePort turns a probe port (number or a named container port) into a number. */
export function resolvePort(port: number | string, c: Readonly<Container>): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = c.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`port "${port}" is not a named port of container ${c.name}`);
  return named.containerPort;
}

/** runProbe runs one probe of one container once. */
export async function runProbe(runtime: RuntimeClient, t: ProbeTarget, p: Readonly<Probe>, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    if (p.exec) return await execProbe(runtime, t.containerId, p.exec, timeoutMs);
    if (p.httpGet) return await httpProbe(p.httpGet.host || t.podIP, resolvePort(p.httpGet.port, t.container), p.httpGet, timeoutMs);
    if (p.tcpSocket) return await tcpProbe(p.tcpSocket.host || t.podIP, resolvePort(p.tcpSocket.port, t.container), timeoutMs);
    return { ok: true, message: '' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

interface KindRunner {
  kind: ProbeKind;
  probe: Readonly<Probe>;
  settings: ProbeSettings;
  state: ProbeState;
  timer?: NodeJS.Timeout;
}

/** startupGaveUp: a startup probe past its failureThreshold, which restarts the container as a liveness failure does. */
function startupGaveUp(r: KindRunner | undefined): boolean {
  return r?.kind === 'startup' && !r.state.result && r.state.failures >= r.settings.failureThreshold;
}

/** ContainerProber probes one container instance until stopped. */
class ContainerProber {
  readonly runners = new Map<ProbeKind, KindRunner>();
  private stopped = false;

  constructor(
    readonly podUid: string,
    readonly target: ProbeTarget,
    private readonly runtime: RuntimeClient,
    private readonly events: ProbeEvents,
  ) {
    const c = target.container;
    const kinds: [ProbeKind, Probe | undefined][] = [['startup', c.startupProbe], ['liveness', c.livenessProbe], ['readiness', c.readinessProbe]];
    for (const [kind, probe] of kinds) {
      if (!probe) continue;
      const state = initialProbeState(kind);
      if (kind === 'readiness' && target.knownReady) state.result = true;
      if (kind === 'startup' && target.knownStarted) state.result = true;
      this.runners.set(kind, { kind, probe, settings: probeSettings(probe, kind), state });
    }
    for (const r of this.runners.values()) {
      if (r.kind === 'startup' && r.state.result) continue;
      this.schedule(r, r.settings.initialDelayMs);
    }
  }

  started(): boolean {
    const s = this.runners.get('startup');
    return !s || s.state.result;
  }

  private schedule(r: KindRunner, delayMs: number): void {
    if (this.stopped) return;
    r.timer = setTimeout(() => void this.tick(r), delayMs);
    r.timer.unref();
  }

  private async tick(r: KindRunner): Promise<void> {
    if (this.stopped) return;
    if (r.kind !== 'startup' && !this.started()) {
      this.schedule(r, r.settings.periodMs);
      return;
    }
    const outcome = await runProbe(this.runtime, this.target, r.probe, r.settings.timeoutMs);
    if (this.stopped) return;
    const before = r.state.result;
    r.state = recordProbe(r.state, outcome.ok, r.settings);
    if (!outcome.ok) this.events.failed?.(this.podUid, this.target.container.name, r.kind, outcome.message);
    const gaveUp = startupGaveUp(r);
    if (r.state.result !== before || gaveUp) this.events.changed(this.podUid);
    // A startup probe that passed is done; a liveness or startup probe that failed waits for the restart.
    if (r.kind === 'startup' && (r.state.result || gaveUp)) return;
    if (r.kind === 'liveness' && !r.state.result) return;
    this.schedule(r, r.settings.periodMs);
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.runners.values()) clearTimeout(r.timer);
  }
}

/** ProbeManager owns the probers of every running container on the node. */
export class ProbeManager {
  private readonly byPod = new Map<string, Map<string, ContainerProber>>();

  constructor(
    private readonly runtime: RuntimeClient,
    private readonly events: ProbeEvents,
  ) {}

  /** sync probes exactly these running containers of a pod (starting new probers, stopping gone ones). */
  sync(podUid: string, targets: readonly ProbeTarget[]): void {
    const current = this.byPod.get(podUid) ?? new Map<string, ContainerProber>();
    const wanted = new Set<string>();
    for (const t of targets) {
      const c = t.container;
      if (!c.livenessProbe && !c.readinessProbe && !c.startupProbe) continue;
      wanted.add(t.containerId);
      if (!current.has(t.containerId)) current.set(t.containerId, new ContainerProber(podUid, t, this.runtime, this.events));
    }
    for (const [id, p] of current) {
      if (!wanted.has(id)) {
        p.stop();
        current.delete(id);
      }
    }
    if (current.size) this.byPod.set(podUid, current);
    else this.byPod.delete(podUid);
  }

  /** results gives the pod's current probe results. */
  results(podUid: string): PodProbeResults {
    const out: PodProbeResults = { livenessFailed: new Set(), readiness: new Map(), startup: new Map() };
    for (const [id, p] of this.byPod.get(podUid) ?? []) {
      const l = p.runners.get('liveness');
      const s = p.runners.get('startup');
      if ((l && !l.state.result) || startupGaveUp(s)) out.livenessFailed.add(id);
      const r = p.runners.get('readiness');
      if (r) out.readiness.set(id, r.state.result);
      if (s) out.startup.set(id, s.state.result);
    }
    return out;
  }

  /** removePod stops every prober of a pod. */
  removePod(podUid: string): void {
    this.sync(podUid, []);
  }

  /** stop ends all probing. */
  stop(): void {
    for (const uid of [...this.byPod.keys()]) this.removePod(uid);
  }
}
