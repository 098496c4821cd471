/**
 * DeploymentController rolls a Deployment's template out through ReplicaSets: it finds or makes
 * the ReplicaSet of the current template (numbered by revision), sizes every ReplicaSet with
 * rollingUpdateStep or recreateStep, prunes old history, and writes status when it changed.
 */
import { isAlreadyExists, isNotFound } from '../api/client.js';
import type { Deployment, Pod, ReplicaSet } from '../api/types.js';
import {
  REVISION_ANNOTATION, deploymentStatus, deploymentStatusEqual, findNewReplicaSet, historyToPrune, newReplicaSetFor,
  recreateStep, revisionOf, rollingUpdateStep, type ReplicaSetSizes,
} from './deployment-logic.js';
import { controllerOf } from './pod-readiness.js';
import { keyOf, silentLogger, splitKey, type Logger, type ObjectCache, type Writer } from './shared.js';
import { WorkQueue } from './work-queue.js';

/** DeploymentController is one controller instance; start() wires its handlers. */
export class DeploymentController {
  readonly queue: WorkQueue;

  constructor(
    private readonly deployments: ObjectCache<Deployment>,
    private readonly replicaSets: ObjectCache<ReplicaSet>,
    private readonly pods: ObjectCache<Pod>,
    private readonly writer: Writer,
    private readonly log: Logger = silentLogger,
  ) {
    this.queue = new WorkQueue((key) => this.sync(key), {
      workers: 2,
      onError: (key, err) => this.log.warn({ key, err: String(err) }, 'deployment sync failed; will retry'),
    });
  }

  /** start registers the event handlers; the caller starts the informers. */
  start(): void {
    this.deployments.on('add', (d) => this.queue.add(keyOf(d)));
    this.deployments.on('update', (_o, d) => this.queue.add(keyOf(d)));
    this.deployments.on('delete', (d) => this.queue.add(keyOf(d)));
    const owner = (rs: Readonly<ReplicaSet>) => {
      const ref = controllerOf(rs);
      if (ref?.kind === 'Deployment') this.queue.add(`${rs.metadata.namespace}/${ref.name}`);
    };
    this.replicaSets.on('add', owner);
    this.replicaSets.on('update', (_o, rs) => owner(rs));
    this.replicaSets.on('delete', owner);
    // Recreate waits for old pods to be gone: their deletion must wake the deployment.
    this.pods.on('delete', (pod) => {
      const ref = controllerOf(pod);
      const rs = ref?.kind === 'ReplicaSet' ? this.replicaSets.get(`${pod.metadata.namespace}/${ref.name}`) : undefined;
      if (rs) owner(rs);
    });
  }

  /** stop drops queued work. */
  stop(): void {
    this.queue.stop();
  }

  /** ownedReplicaSets lists the ReplicaSets a deployment controls. */
  ownedReplicaSets(d: Readonly<Deployment>): Readonly<ReplicaSet>[] {
    return this.replicaSets
      .list()
      .filter((rs) => rs.metadata.namespace === d.metadata.namespace && controllerOf(rs)?.uid === d.metadata.uid);
  }

  /** sync moves one deployment one step toward its template and replica count. */
  async sync(key: string): Promise<void> {
    const d = this.deployments.get(key);
    if (!d || d.metadata.deletionTimestamp) return;
    const owned = this.ownedReplicaSets(d);
    let newRS = findNewReplicaSet(d, owned);
    const oldRSs = owned.filter((rs) => rs !== newRS);
    const maxOldRevision = Math.max(0, ...oldRSs.map(revisionOf));

    if (!newRS) {
      newRS = await this.createNewReplicaSet(d, maxOldRevision + 1);
      if (!newRS) return; // someone else made it; the add event brings us back
    } else if (revisionOf(newRS) <= maxOldRevision) {
      // Rolled back to an older template: it becomes the newest revision.
      newRS = await this.patchReplicaSet(newRS, { metadata: { annotations: { [REVISION_ANNOTATION]: String(maxOldRevision + 1) } } });
    }

    if (!d.spec.paused) {
      const sizes = this.plan(d, newRS, oldRSs, splitKey(key).namespace!);
      for (const rs of [newRS, ...oldRSs]) {
        const want = sizes.get(rs.metadata.name!);
        if (want !== undefined && want !== (rs.spec.replicas ?? 0)) {
          this.log.info({ deployment: key, replicaset: rs.metadata.name, from: rs.spec.replicas, to: want }, 'scaling replicaset');
          await this.patchReplicaSet(rs, { spec: { replicas: want } });
        }
      }
      for (const rs of historyToPrune(d, oldRSs)) {
        await this.writer.delete('replicasets', rs.metadata.name!, { namespace: rs.metadata.namespace }).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
      }
    }

    const revision = String(revisionOf(newRS));
    if (d.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
      await this.writer.patch('deployments', d.metadata.name!, { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } }, d.metadata.namespace);
    }
    const status = deploymentStatus(d, newRS, [newRS, ...oldRSs], new Date().toISOString());
    if (!deploymentStatusEqual(d.status, status)) {
      const copy = structuredClone(d) as Deployment;
      copy.status = status;
      await this.writer.updateStatus('deployments', copy).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  private plan(d: Readonly<Deployment>, newRS: Readonly<ReplicaSet>, oldRSs: readonly Readonly<ReplicaSet>[], namespace: string): ReplicaSetSizes {
    if (d.spec.strategy?.type !== 'Recreate') return rollingUpdateStep(d, newRS, oldRSs);
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    const oldPods = this.pods.list().filter((p) => p.metadata.namespace === namespace && oldUids.has(controllerOf(p)?.uid));
    return recreateStep(d, newRS, oldRSs, oldPods.length);
  }

  private async createNewReplicaSet(d: Readonly<Deployment>, revision: number): Promise<ReplicaSet | undefined> {
    const rs = newReplicaSetFor(d, revision, 0);
    try {
      this.log.info({ deployment: keyOf(d), replicaset: rs.metadata.name, revision }, 'creating replicaset');
      return await this.writer.create('replicasets', rs, d.metadata.namespace);
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      throw err;
    }
  }

  private patchReplicaSet(rs: Readonly<ReplicaSet>, patch: object): Promise<ReplicaSet> {
    return this.writer.patch<ReplicaSet>('replicasets', rs.metadata.name!, patch, rs.metadata.namespace);
  }
}
