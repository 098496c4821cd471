/**
 * crossNodeFetch shows pod-to-pod networking across lab hosts: it picks two Running pods of a
 * label selector on different nodes and runs `wget` in the first against the second's pod IP,
 * through the first node's runtime (ExecSync).
 */
import type { Pod } from '../api/types.js';
import { RuntimeClient } from '../runtime/client.js';
import { labClient, type LabState } from './lab.js';

/** CrossNodeFetchResult says who fetched from whom and what came back. */
export interface CrossNodeFetchResult {
  from: { pod: string; node: string };
  to: { pod: string; node: string; url: string };
  exitCode: number;
  body: string;
}

/** crossNodeFetch runs the fetch; it fails clearly when no two nodes have a Running pod. */
export async function crossNodeFetch(state: LabState, selector = 'app=web', port = 8080): Promise<CrossNodeFetchResult> {
  const client = labClient(state);
  try {
    const pods = (await client.list<Pod>('pods', { labelSelector: selector })).items.filter(
      (p) => p.status?.phase === 'Running' && p.status.podIP && p.spec.nodeName && !p.metadata.deletionTimestamp,
    );
    const from = pods[0];
    const to = pods.find((p) => p.spec.nodeName !== from?.spec.nodeName);
    if (!from || !to) throw new Error(`need Running pods matching ${selector} on two different nodes (found ${pods.length})`);
    const node = state.nodes.find((n) => n.name === from.spec.nodeName);
    const containerId = from.status?.containerStatuses?.[0]?.containerID?.replace(/^[a-z]+:\/\//, '');
    if (!node || !containerId) throw new Error(`pod ${from.metadata.name} has no container on a lab node yet`);
    const url = `http://${to.status!.podIP}:${port}/`;
    const rt = new RuntimeClient(node.socket);
    try {
      const res = await rt.execSync({ containerId, cmd: ['wget', '-q', '-O', '-', url], timeout: 10 });
      return {
        from: { pod: from.metadata.name!, node: from.spec.nodeName! },
        to: { pod: to.metadata.name!, node: to.spec.nodeName!, url },
        exitCode: res.exitCode,
        body: Buffer.from(res.stdout ?? '').toString() || Buffer.from(res.stderr ?? '').toString(),
      };
    } finally {
      rt.close();
    }
  } finally {
    client.close();
  }
}
