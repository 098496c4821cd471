/**
 * ReplicaSetController keeps each ReplicaSet's pod count: handlers only enqueue the owning
 * ReplicaSet's key; sync(key) adopts matching orphans, creates or deletes the difference (with
 * expectations so a lagging cache never doubles a create), and writes status only when it changed.
 */
import { isNotFound } from '../api/client.js';
import { matchesLabelSelector } from '../api/selectors.js';
import type { Pod, ReplicaSet } from '../api/types.js';
import { Expectations } from './expectations.js';
import { controllerOf } from './pod-readiness.js';
import { ownerReferenceTo, podFromTemplate, replicaDiff, replicaSetStatus, statusEqual } from './replicaset-logic.js';
import { keyOf, silentLogger, splitKey, type Logger, type ObjectCache, type Writer } from './shared.js';
import { WorkQueue } from './work-queue.js';

/** ReplicaSetController is one controller instance; start() wires its handlers. */
export class ReplicaSetController {
  readonly queue: WorkQueue;
  private readonly expectations = new Expectations();

  constructor(
    private readonly replicaSets: ObjectCache<ReplicaSet>,
    private readonly pods: ObjectCache<Pod>,
    private readonly writer: Writer,
    private readonly log: Logger = silentLogger,
  ) {
    this.queue = new WorkQueue((key) => this.sync(key), {
      workers: 4,
      onError: (key, err) => this.log.warn({ key, err: String(err) }, 'replicaset sync failed; will retry'),
    });
  }

  /** start registers the event handlers; the caller starts the informers. */
  start(): void {
    this.replicaSets.on('add', (rs) => this.queue.add(keyOf(rs)));
    this.replicaSets.on('update', (_o, rs) => this.queue.add(keyOf(rs)));
    this.replicaSets.on('delete', (rs) => {
      this.expectations.forget(keyOf(rs));
      this.queue.add(keyOf(rs));
    });
    this.pods.on('add', (pod) => this.podChanged(pod, 'add'));
    this.pods.on('update', (old, pod) => {
      // A graceful delete shows first as a deletionTimestamp: that is when the delete was observed.
      this.podChanged(pod, !old.metadata.deletionTimestamp && pod.metadata.deletionTimestamp ? 'delete' : undefined);
      const was = controllerOf(old);
      if (was && was.uid !== controllerOf(pod)?.uid) this.enqueueOwner(old);
    });
    this.pods.on('delete', (pod) => this.podChanged(pod, pod.metadata.deletionTimestamp ? undefined : 'delete'));
  }

  /** stop drops queued work. */
  stop(): void {
    this.queue.stop();
  }

  private enqueueOwner(pod: Readonly<Pod>): string | undefined {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    const rs = this.replicaSets.get(key);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    this.queue.add(key);
    return key;
  }

  private podChanged(pod: Readonly<Pod>, event?: 'add' | 'delete'): void {
    const key = this.enqueueOwner(pod);
    if (key) {
      if (event === 'add') this.expectations.observedAdd(key);
      if (event === 'delete') this.expectations.observedDelete(key);
      return;
    }
    // An orphan: wake every ReplicaSet that would adopt it.
    if (!controllerOf(pod) && event !== 'delete') {
      for (const rs of this.replicaSets.list()) {
        if (rs.metadata.namespace === pod.metadata.namespace && matchesLabelSelector(rs.spec.selector, pod.metadata.labels)) this.queue.add(keyOf(rs));
      }
    }
  }

  /** sync brings one ReplicaSet's pods and status in line with its spec. */
  async sync(key: string): Promise<void> {
    const rs = this.replicaSets.get(key);
    if (!rs) return;
    const { namespace } = splitKey(key);
    const inNamespace = this.pods.list().filter((p) => p.metadata.namespace === namespace);
    const owned = inNamespace.filter((p) => controllerOf(p)?.uid === rs.metadata.uid);
    if (!rs.metadata.deletionTimestamp) owned.push(...(await this.adopt(rs, inNamespace)));

    if (this.expectations.satisfied(key)) {
      const diff = replicaDiff(rs, owned);
      if (diff.create > 0 || diff.remove.length > 0) {
        this.expectations.expect(key, diff.create, diff.remove.length);
        this.log.info({ replicaset: key, create: diff.create, delete: diff.remove.length }, 'scaling replicaset');
        await Promise.all([
          ...Array.from({ length: diff.create }, () => this.createPod(key, rs)),
          ...diff.remove.map((p) => this.deletePod(key, p)),
        ]);
      }
    }

    const status = replicaSetStatus(rs, owned, Date.now());
    if (!statusEqual(rs.status, status)) {
      const copy = structuredClone(rs) as ReplicaSet;
      copy.status = status;
      try {
        await this.writer.updateStatus('replicasets', copy);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** adopt claims active orphans whose labels match the selector, by adding a controller reference. */
  private async adopt(rs: Readonly<ReplicaSet>, pods: readonly Readonly<Pod>[]): Promise<Readonly<Pod>[]> {
    const orphans = pods.filter(
      (p) => !controllerOf(p) && !p.metadata.deletionTimestamp && matchesLabelSelector(rs.spec.selector, p.metadata.labels),
    );
    const adopted: Readonly<Pod>[] = [];
    for (const p of orphans) {
      const refs = [...(p.metadata.ownerReferences ?? []), ownerReferenceTo(rs)];
      try {
        adopted.push(await this.writer.patch<Pod>('pods', p.metadata.name!, { metadata: { ownerReferences: refs, resourceVersion: p.metadata.resourceVersion } }, p.metadata.namespace));
      } catch (err) {
        if (!isNotFound(err)) this.log.warn({ pod: keyOf(p), err: String(err) }, 'could not adopt pod');
      }
    }
    return adopted;
  }

  private async createPod(key: string, rs: Readonly<ReplicaSet>): Promise<void> {
    try {
      await this.writer.create('pods', podFromTemplate(rs), rs.metadata.namespace);
    } catch (err) {
      this.expectations.lowerBy(key, 1, 0);
      throw err;
    }
  }

  private async deletePod(key: string, pod: Readonly<Pod>): Promise<void> {
    try {
      await this.writer.delete('pods', pod.metadata.name!, { namespace: pod.metadata.namespace });
    } catch (err) {
      this.expectations.lowerBy(key, 0, 1);
      if (!isNotFound(err)) throw err;
    }
  }
}
