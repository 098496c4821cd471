/**
 * Reads what the runtime holds of a pod (ObservedPod) with as few calls as possible: two listings
 * filtered by the pod's uid label, then ContainerStatus only for containers whose state changed
 * since the last look (an exited container's status never changes again, a running one's start time
 * neither), and PodSandboxStatus once per sandbox for its IP. The caches only save calls: they are
 * rebuilt from the runtime after a restart.
 */
import type { RuntimeClient, Container as CriContainer, ContainerStatus as CriContainerStatus, PodSandbox } from '../runtime/client.js';
import { GrpcStatus, RuntimeCallError } from '../runtime/client.js';
import { LABEL_POD_UID, observedContainer, observedSandbox, type ObservedContainer, type ObservedPod } from './observed-pod.js';

/** fingerprint summarises a pod's runtime objects (ids and states) so a change is cheap to spot. */
export function fingerprint(sandboxes: readonly { id: string; state: string }[], containers: readonly { id: string; state: string }[]): string {
  const parts = [...sandboxes.map((s) => `s:${s.id}:${s.state}`), ...containers.map((c) => `c:${c.id}:${c.state}`)];
  return parts.sort().join(',');
}

const CRI_STATE: Record<ObservedContainer['state'], string> = {
  created: 'CONTAINER_CREATED', running: 'CONTAINER_RUNNING', exited: 'CONTAINER_EXITED', unknown: 'CONTAINER_UNKNOWN',
};

/** printOf is the fingerprint of an observed pod, equal to that of the listings it came from. */
export function printOf(o: ObservedPod): string {
  return fingerprint(
    o.sandboxes.map((s) => ({ id: s.id, state: s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY' })),
    o.containers.map((c) => ({ id: c.id, state: CRI_STATE[c.state] })),
  );
}

/** ObservedPodWithPrint is a pod's view plus the fingerprint of the listings it came from. */
export interface ObservedPodWithPrint extends ObservedPod {
  fingerprint: string;
}

/** RuntimeListing is one listing of everything on the runtime, grouped by pod uid. */
export interface RuntimeListing {
  byUid: Map<string, { sandboxes: PodSandbox[]; containers: CriContainer[] }>;
}

/** RuntimeView observes pods through the runtime, caching what cannot change. */
export class RuntimeView {
  private readonly statusCache = new Map<string, ObservedContainer>();
  private readonly sandboxIp = new Map<string, string>();

  constructor(private readonly runtime: RuntimeClient) {}

  /** observe reads one pod's sandboxes and containers. */
  async observe(uid: string): Promise<ObservedPodWithPrint> {
    const filter = { labelSelector: { [LABEL_POD_UID]: uid } };
    const [sbs, ctrs] = await Promise.all([this.runtime.listPodSandbox({ filter }), this.runtime.listContainers({ filter })]);
    const sandboxes = await Promise.all(sbs.items.map(async (s) => {
      const o = observedSandbox(s);
      if (o.ready && !this.sandboxIp.has(s.id)) {
        try {
          const st = await this.runtime.podSandboxStatus({ podSandboxId: s.id });
          this.sandboxIp.set(s.id, st.status?.network?.ip ?? '');
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      o.ip = this.sandboxIp.get(s.id) ?? '';
      return o;
    }));
    const containers = (await Promise.all(ctrs.containers.map((c) => this.container(c)))).filter((c): c is ObservedContainer => !!c);
    return { sandboxes, containers, fingerprint: fingerprint(sbs.items, ctrs.containers) };
  }

  /**
   * afterStart updates a view after the worker made a sandbox and started containers, with status
   * calls instead of two listings (a listing costs the runtime a look at every container): one for a
   * new sandbox, which answers for its containers too, else one per started container.
   */
  async afterStart(prev: ObservedPod, sandboxId: string | undefined, started: readonly { id: string; sandboxId: string }[]): Promise<ObservedPodWithPrint> {
    const sandboxes = [...prev.sandboxes];
    // A new sandbox's status lists its containers' statuses too, which spares a call per container.
    const listed = new Map<string, CriContainerStatus>();
    if (sandboxId) {
      const st = await this.runtime.podSandboxStatus({ podSandboxId: sandboxId });
      const o = observedSandbox(st.status);
      this.sandboxIp.set(sandboxId, o.ip);
      sandboxes.push(o);
      for (const c of st.containersStatuses ?? []) listed.set(c.id, c);
    }
    const ids = new Set(started.map((c) => c.id));
    const fresh = await Promise.all(started.map(async (c) => {
      const status = listed.get(c.id) ?? (await this.runtime.containerStatus({ containerId: c.id })).status;
      const o = observedContainer(status, c.sandboxId);
      if (o.state === 'exited' || o.state === 'running') this.statusCache.set(c.id, o);
      return o;
    }));
    const containers = [...prev.containers.filter((c) => !ids.has(c.id)), ...fresh];
    const view = { sandboxes, containers };
    return { ...view, fingerprint: printOf(view) };
  }

  private async container(c: CriContainer): Promise<ObservedContainer | undefined> {
    const cached = this.statusCache.get(c.id);
    const listed = observedContainer({ id: c.id, state: c.state, labels: c.labels, annotations: c.annotations, metadata: c.metadata }, c.podSandboxId);
    if (cached && cached.state === listed.state && (cached.state === 'exited' || cached.state === 'running')) return cached;
    try {
      const r = await this.runtime.containerStatus({ containerId: c.id });
      const o = observedContainer(r.status, c.podSandboxId);
      if (o.state === 'exited' || o.state === 'running') this.statusCache.set(c.id, o);
      return o;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** listAll lists every sandbox and container on the runtime, grouped by pod uid. */
  async listAll(): Promise<RuntimeListing> {
    const [sbs, ctrs] = await Promise.all([this.runtime.listPodSandbox({}), this.runtime.listContainers({})]);
    const byUid = new Map<string, { sandboxes: PodSandbox[]; containers: CriContainer[] }>();
    const entry = (uid: string) => {
      let e = byUid.get(uid);
      if (!e) byUid.set(uid, (e = { sandboxes: [], containers: [] }));
      return e;
    };
    for (const s of sbs.items) {
      const uid = s.labels?.[LABEL_POD_UID];
      if (uid) entry(uid).sandboxes.push(s);
    }
    for (const c of ctrs.containers) {
      const uid = c.labels?.[LABEL_POD_UID];
      if (uid) entry(uid).containers.push(c);
    }
    return { byUid };
  }

  /** forget drops cached facts of removed containers and sandboxes. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      this.statusCache.delete(id);
      this.sandboxIp.delete(id);
    }
  }
}

/** isNotFound tells whether a runtime call failed with NOT_FOUND. */
export function isNotFound(e: unknown): boolean {
  return e instanceof RuntimeCallError && e.code === GrpcStatus.NOT_FOUND;
}
