/**
 * The nodes table (NAME STATUS ROLES AGE VERSION, and addresses and versions with -o wide);
 * STATUS is Ready, NotReady or Unknown from the Ready condition, plus ",SchedulingDisabled".
 */
import type { Node, TableColumnDefinition } from '../../api/types.js';
import { ageOf } from './duration.js';

/** NODE_COLUMNS are the nodes table's columns. */
export const NODE_COLUMNS: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name of the node', priority: 0 },
  { name: 'Status', type: 'string', description: 'Ready condition, and whether scheduling is disabled', priority: 0 },
  { name: 'Roles', type: 'string', description: 'node-role.kubernetes.io labels', priority: 0 },
  { name: 'Age', type: 'string', description: 'Time since creation', priority: 0 },
  { name: 'Version', type: 'string', description: 'Agent version', priority: 0 },
  { name: 'Internal-IP', type: 'string', description: 'InternalIP address', priority: 1 },
  { name: 'External-IP', type: 'string', description: 'ExternalIP address', priority: 1 },
  { name: 'OS-Image', type: 'string', description: 'OS image', priority: 1 },
  { name: 'Kernel-Version', type: 'string', description: 'Kernel version', priority: 1 },
  { name: 'Container-Runtime', type: 'string', description: 'Container runtime version', priority: 1 },
];

/** nodeStatusText is the STATUS cell: Ready/NotReady/Unknown, then ",SchedulingDisabled" when cordoned. */
export function nodeStatusText(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  if (node.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

/** nodeRoles is the ROLES cell from node-role.kubernetes.io/<role> labels. */
export function nodeRoles(node: Node): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.push(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.push(v);
  }
  return roles.length ? roles.sort().join(',') : '<none>';
}

/** nodeRow is one row of cells for NODE_COLUMNS. */
export function nodeRow(node: Node, nowMs: number): unknown[] {
  const addr = (t: string) => (node.status?.addresses ?? []).find((a) => a.type === t)?.address ?? '<none>';
  const info = node.status?.nodeInfo ?? {};
  return [
    node.metadata.name,
    nodeStatusText(node),
    nodeRoles(node),
    ageOf(node.metadata.creationTimestamp, nowMs),
    info.kubeletVersion || '<unknown>',
    addr('InternalIP'),
    addr('ExternalIP'),
    info.osImage || '<unknown>',
    info.kernelVersion || '<unknown>',
    info.containerRuntimeVersion || '<unknown>',
  ];
}
