/**
 * runControllers starts every controller against an API server, sharing one informer per
 * resource between them: ReplicaSet, Deployment, garbage collection, node lifecycle and pod CIDRs.
 * They are API clients only, so they run inside `flotilla server` or alone (`flotilla controllers`).
 */
import type { ApiClient } from '../api/client.js';
import { Informer } from '../api/informer.js';
import type { Deployment, KubeObject, Lease, Node, Pod, ReplicaSet } from '../api/types.js';
import { DeploymentController } from './deployment-controller.js';
import { GarbageCollector } from './garbage-collector.js';
import { NodeLifecycleController, type NodeLifecycleTiming } from './node-lifecycle-controller.js';
import { ReplicaSetController } from './replicaset-controller.js';
import { silentLogger, type Logger, type ObjectCache } from './shared.js';

/** RunningControllers is the handle runControllers returns. */
export interface RunningControllers {
  replicaSets: ReplicaSetController;
  deployments: DeploymentController;
  stop(): Promise<void>;
}

/** runControllers starts the informers and controllers and resolves once the caches are synced. */
export async function runControllers(opts: { client: ApiClient; log?: Logger; nodeLifecycle?: NodeLifecycleTiming }): Promise<RunningControllers> {
  const { client } = opts;
  const log = opts.log ?? silentLogger;
  const onError = (resource: string) => (err: unknown) => log.debug({ resource, err: String(err) }, 'informer recovered from an error');
  const pods = new Informer<Pod>(client, 'pods', { onError: onError('pods') });
  const replicaSets = new Informer<ReplicaSet>(client, 'replicasets', { onError: onError('replicasets') });
  const deployments = new Informer<Deployment>(client, 'deployments', { onError: onError('deployments') });
  const nodes = new Informer<Node>(client, 'nodes', { onError: onError('nodes') });
  const leases = new Informer<Lease>(client, 'leases', { namespace: 'kube-node-lease', onError: onError('leases') });

  const rsController = new ReplicaSetController(replicaSets, pods, client, log);
  const deployController = new DeploymentController(deployments, replicaSets, pods, client, log);
  const gc = new GarbageCollector(
    { Pod: pods, ReplicaSet: replicaSets, Deployment: deployments } as unknown as Record<string, ObjectCache<KubeObject>>,
    client,
    log,
  );
  const nodeLifecycle = new NodeLifecycleController(nodes, leases, pods, client, log, opts.nodeLifecycle);
  rsController.start();
  deployController.start();
  gc.start();
  const informers = [pods, replicaSets, deployments, nodes, leases];
  await Promise.all(informers.map((i) => i.start()));
  nodeLifecycle.start();
  log.info({}, 'controllers started');
  return {
    replicaSets: rsController,
    deployments: deployController,
    async stop() {
      nodeLifecycle.stop();
      gc.stop();
      deployController.stop();
      rsController.stop();
      for (const i of informers) i.stop();
    },
  };
}
