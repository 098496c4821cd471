/**
 * Node heartbeats, as the kubelet sends them: the node's Lease in kube-node-lease renewed every
 * 10 s (cheap, read by the node lifecycle controller), and the Ready condition's lastHeartbeatTime
 * refreshed every 40 s. A failed beat is reported and retried at the next tick; it never stops the
 * agent.
 */
import { isAlreadyExists, isConflict, isNotFound, type ApiClient } from '../api/client.js';
import type { Lease, Namespace } from '../api/types.js';
import { writeNodeStatus, type NodeIdentity } from './node-registration.js';

/** LEASE_NAMESPACE holds one Lease per node. */
export const LEASE_NAMESPACE = 'kube-node-lease';

/** HeartbeatOptions tune the periods (defaults 10 s and 40 s, with a 40 s lease). */
export interface HeartbeatOptions {
  leasePeriodMs?: number;
  statusPeriodMs?: number;
  leaseDurationSeconds?: number;
  onError?: (what: string, err: unknown) => void;
}

/** microTime prints a Lease time as Kubernetes' MicroTime (RFC 3339 with microseconds). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/** Heartbeat keeps the node's Lease and Ready condition fresh until stopped. */
export class Heartbeat {
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly client: ApiClient,
    private readonly id: NodeIdentity,
    private readonly opts: HeartbeatOptions = {},
  ) {}

  /** start renews the lease at once and then on its period, and the status on its own. */
  start(): void {
    void this.renewLease();
    const lease = setInterval(() => void this.renewLease(), this.opts.leasePeriodMs ?? 10_000);
    const status = setInterval(() => void this.beatStatus(), this.opts.statusPeriodMs ?? 40_000);
    lease.unref();
    status.unref();
    this.timers.push(lease, status);
  }

  /** stop ends the beats (the lease then expires, and the controllers see the node go). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** renewLease creates or renews the node's Lease; exposed for tests. */
  async renewLease(): Promise<void> {
    if (this.stopped) return;
    const name = this.id.nodeName;
    const now = microTime(Date.now());
    try {
      let lease: Lease;
      try {
        lease = await this.client.get<Lease>('leases', name, LEASE_NAMESPACE);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        await this.createLease(now);
        return;
      }
      await this.client.update<Lease>('leases', { ...lease, spec: { ...lease.spec, holderIdentity: name, renewTime: now } });
    } catch (e) {
      if (!isConflict(e)) this.opts.onError?.('lease', e);
    }
  }

  private async createLease(now: string): Promise<void> {
    const name = this.id.nodeName;
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: LEASE_NAMESPACE },
      spec: { holderIdentity: name, leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40, acquireTime: now, renewTime: now },
    };
    try {
      await this.client.create<Lease>('leases', lease);
    } catch (e) {
      if (isAlreadyExists(e)) return;
      if (!isNotFound(e)) throw e;
      // The namespace does not exist yet: make it, then the lease.
      const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LEASE_NAMESPACE } };
      try {
        await this.client.create<Namespace>('namespaces', ns);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      await this.client.create<Lease>('leases', lease);
    }
  }

  /** beatStatus refreshes the Ready condition's heartbeat; exposed for tests. */
  async beatStatus(): Promise<void> {
    if (this.stopped) return;
    try {
      await writeNodeStatus(this.client, this.id);
    } catch (e) {
      this.opts.onError?.('node status', e);
    }
  }
}
