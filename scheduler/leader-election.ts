/**
 * LeaderElector keeps one scheduler active among several, with a Lease object, as client-go's
 * leader election does: the holder renews `renewTime` every retry period through an update on the
 * lease's resourceVersion (compare-and-swap); a candidate takes the lease over only once it has seen
 * the same record unchanged for `leaseDurationSeconds` (by its own clock, so clocks need not agree)
 * or the holder released it. A leader that cannot renew within the renew deadline steps down.
 */
import { isAlreadyExists, isConflict, isNotFound } from '../api/client-errors.js';
import type { KubeObject, Lease, Namespace } from '../api/types.js';

/** LeaseClient is the subset of ApiClient the elector uses. */
export interface LeaseClient {
  get<T extends KubeObject>(res: string, name: string, namespace?: string): Promise<T>;
  create<T extends KubeObject>(res: string, obj: T, namespace?: string): Promise<T>;
  update<T extends KubeObject>(res: string, obj: T): Promise<T>;
}

/** LeaderElectorOptions name the lease, the candidate and the timing. */
export interface LeaderElectorOptions {
  client: LeaseClient;
  identity: string;
  namespace?: string;
  name?: string;
  leaseDurationSeconds?: number;
  /** renewDeadlineMs: a leader that could not renew for this long steps down (default 2/3 of the lease). */
  renewDeadlineMs?: number;
  /** retryPeriodMs: how often to renew or to try to acquire (default lease/7.5, i.e. 2 s for 15 s). */
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (err: unknown) => void;
  now?: () => number;
}

/** LeaderElector runs the acquire/renew loop for one candidate. */
export class LeaderElector {
  private readonly ns: string;
  private readonly name: string;
  private readonly durationS: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private observed: { holder: string; renewTime: string; rv: string } | undefined;
  private observedAt = 0;
  private lastRenew = 0;
  /** leaseRevision is the resourceVersion of the lease as this candidate last wrote it. */
  leaseRevision = '';
  /** tookOver is true when the lease was won from a previous holder (not created afresh). */
  tookOver = false;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.ns = opts.namespace ?? 'kube-system';
    this.name = opts.name ?? 'flotilla-scheduler';
    this.durationS = opts.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? Math.round((this.durationS * 1000 * 2) / 3);
    this.retryMs = opts.retryPeriodMs ?? Math.round((this.durationS * 1000) / 7.5);
    this.now = opts.now ?? Date.now;
  }

  /** isLeader tells whether this candidate holds the lease now. */
  isLeader(): boolean {
    return this.leading;
  }

  /** start begins campaigning; onStartedLeading runs when the lease is won. */
  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        this.opts.onError?.(err);
      }
      if (this.stopped) break;
      if (ok) {
        this.lastRenew = this.now();
        if (!this.leading) {
          this.leading = true;
          this.opts.onStartedLeading();
        }
      } else if (this.leading && this.now() - this.lastRenew >= this.renewDeadlineMs) {
        this.leading = false;
        this.opts.onStoppedLeading();
      }
      // A candidate retries with jitter so that two do not collide in lockstep.
      await this.sleep(this.leading ? this.retryMs : this.retryMs * (1 + Math.random() * 0.2));
    }
  }

  private record(holder: string, acquireTime: string | undefined, transitions: number): Lease['spec'] {
    const now = new Date(this.now()).toISOString();
    return { holderIdentity: holder, leaseDurationSeconds: this.durationS, acquireTime: acquireTime ?? now, renewTime: now, leaseTransitions: transitions };
  }

  /** tryAcquireOrRenew makes one attempt; true when this candidate holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const me = this.opts.identity;
    let lease: Lease;
    try {
      lease = await this.opts.client.get<Lease>('leases', this.name, this.ns);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return this.create();
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const rv = lease.metadata.resourceVersion ?? '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== (spec.renewTime ?? '')) {
      this.observed = { holder, renewTime: spec.renewTime ?? '', rv };
      this.observedAt = this.now();
    }
    const durationMs = (spec.leaseDurationSeconds ?? this.durationS) * 1000;
    if (holder !== '' && holder !== me) {
      if (this.leading) {
        // Someone else holds it now (we were paused past our lease): stand down at once.
        this.leading = false;
        this.opts.onStoppedLeading();
        return false;
      }
      if (this.now() < this.observedAt + durationMs) return false;
    }
    const mine = holder === me;
    const next: Lease = {
      ...lease,
      spec: this.record(me, mine ? spec.acquireTime : undefined, (spec.leaseTransitions ?? 0) + (mine ? 0 : 1)),
    };
    try {
      this.leaseRevision = (await this.opts.client.update<Lease>('leases', next)).metadata.resourceVersion ?? '';
      if (!this.leading) this.tookOver = !mine || holder === '';
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  private async create(): Promise<boolean> {
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.ns },
      spec: this.record(this.opts.identity, undefined, 0),
    };
    try {
      this.leaseRevision = (await this.opts.client.create<Lease>('leases', lease, this.ns)).metadata.resourceVersion ?? '';
      this.tookOver = false;
      return true;
    } catch (err) {
      if (isAlreadyExists(err) || isConflict(err)) return false;
      if (!isNotFound(err)) throw err;
    }
    // The namespace does not exist yet (a fresh cluster): make it, then try once more.
    const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.ns } };
    try {
      await this.opts.client.create<Namespace>('namespaces', ns);
    } catch (err) {
      if (!isAlreadyExists(err) && !isConflict(err)) throw err;
    }
    try {
      this.leaseRevision = (await this.opts.client.create<Lease>('leases', lease, this.ns)).metadata.resourceVersion ?? '';
      this.tookOver = false;
      return true;
    } catch (err) {
      if (isAlreadyExists(err) || isConflict(err)) return false;
      throw err;
    }
  }

  /**
   * stop ends the campaign. With `release` (the default) a leader gives the lease up at once (empty
   * holder) so a standby takes over without waiting for the lease to expire.
   */
  async stop(release = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      if (release) {
        try {
          const lease = await this.opts.client.get<Lease>('leases', this.name, this.ns);
          if (lease.spec?.holderIdentity === this.opts.identity) {
            await this.opts.client.update<Lease>('leases', {
              ...lease,
              spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new Date(this.now()).toISOString() },
            });
          }
        } catch (err) {
          this.opts.onError?.(err);
        }
      }
      this.opts.onStoppedLeading();
    }
  }
}
