/**
 * NodeLifecycleController watches node heartbeats (Leases in kube-node-lease and the Ready
 * condition): a node silent for 40 s becomes NotReady (Ready=Unknown) with the unreachable taints;
 * 60 s later its pods are evicted (gracefully deleted) so their ReplicaSets replace them elsewhere.
 * It also gives each new node its pod CIDR.
 */
import { isNotFound } from '../api/client.js';
import type { Lease, Node, Pod } from '../api/types.js';
import { judgeNode, shouldEvict } from './node-lifecycle-logic.js';
import { assignPodCIDRs } from './pod-cidr-logic.js';
import { silentLogger, type Logger, type ObjectCache, type Writer } from './shared.js';

/** NodeLifecycleTiming: how often nodes are checked, and the grace and eviction delays (Kubernetes' 40 s and 60 s by default). */
export interface NodeLifecycleTiming {
  periodMs?: number;
  graceMs?: number;
  evictionMs?: number;
}

/** NodeLifecycleController checks every node on a period and on every node change. */
export class NodeLifecycleController {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly nodes: ObjectCache<Node>,
    private readonly leases: ObjectCache<Lease>,
    private readonly pods: ObjectCache<Pod>,
    private readonly writer: Writer,
    private readonly log: Logger = silentLogger,
    private readonly timing: NodeLifecycleTiming = {},
  ) {}

  /** start assigns CIDRs on node events and checks heartbeats every periodMs. */
  start(): void {
    this.nodes.on('add', () => void this.allocateCIDRs());
    this.timer = setInterval(() => void this.tick(), this.timing.periodMs ?? 5_000);
    this.timer.unref();
    void this.allocateCIDRs();
  }

  /** stop ends the periodic check. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async allocateCIDRs(): Promise<void> {
    for (const [name, cidr] of assignPodCIDRs(this.nodes.list())) {
      try {
        await this.writer.patch('nodes', name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
        this.log.info({ node: name, podCIDR: cidr }, 'allocated pod CIDR');
      } catch (err) {
        if (!isNotFound(err)) this.log.warn({ node: name, err: String(err) }, 'could not allocate pod CIDR');
      }
    }
  }

  /** tick judges every node once; ticks never overlap. */
  async tick(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const node of this.nodes.list()) {
        try {
          await this.checkNode(node, now);
        } catch (err) {
          if (!isNotFound(err)) this.log.warn({ node: node.metadata.name, err: String(err) }, 'node check failed');
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async checkNode(node: Readonly<Node>, now: number): Promise<void> {
    const name = node.metadata.name!;
    const verdict = judgeNode(node, this.leases.get(`kube-node-lease/${name}`), now, this.timing.graceMs);
    if (verdict.readyCondition) {
      this.log.warn({ node: name }, 'node stopped posting status: marking it NotReady');
      const copy = structuredClone(node) as Node;
      const others = (copy.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
      copy.status = { ...copy.status, conditions: [...others, verdict.readyCondition] };
      await this.writer.updateStatus('nodes', copy);
    }
    if (verdict.taints) {
      await this.writer.patch('nodes', name, { spec: { taints: verdict.taints } });
    }
    if (shouldEvict(verdict, now, this.timing.evictionMs)) {
      for (const pod of this.pods.list()) {
        if (pod.spec.nodeName !== name || pod.metadata.deletionTimestamp) continue;
        this.log.info({ node: name, pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'evicting pod from unreachable node');
        await this.writer.delete('pods', pod.metadata.name!, { namespace: pod.metadata.namespace }).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
      }
    }
  }
}
