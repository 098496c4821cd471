/**
 * Pod CIDR allocation as a pure function: each node gets its own /24 from 10.244.0.0/16
 * (10.244.N.0/24), the lowest one that no other node holds.
 */
import type { Node } from '../api/types.js';

/** CLUSTER_CIDR_PREFIX is the /16 that node pod CIDRs are cut from. */
export const CLUSTER_CIDR_PREFIX = '10.244';

/** assignPodCIDRs returns node name → CIDR for every node that has none yet. */
export function assignPodCIDRs(nodes: readonly Readonly<Node>[]): Map<string, string> {
  const used = new Set<number>();
  for (const n of nodes) {
    const m = /^10\.244\.(\d+)\.0\/24$/.exec(n.spec?.podCIDR ?? '');
    if (m) used.add(Number(m[1]));
  }
  const out = new Map<string, string>();
  const pending = nodes.filter((n) => !n.spec?.podCIDR).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  let next = 0;
  for (const n of pending) {
    while (used.has(next)) next++;
    if (next > 255) throw new Error(`no pod CIDR left in ${CLUSTER_CIDR_PREFIX}.0.0/16 for node ${n.metadata.name}`);
    used.add(next);
    out.set(n.metadata.name!, `${CLUSTER_CIDR_PREFIX}.${next}.0/24`);
  }
  return out;
}
