/**
 * The deployments (NAME READY UP-TO-DATE AVAILABLE AGE) and replicasets (NAME DESIRED CURRENT
 * READY AGE) tables, with containers, images and selector under -o wide, as kubectl prints them.
 */
import type { Deployment, PodTemplateSpec, ReplicaSet, TableColumnDefinition } from '../../api/types.js';
import { labelSelectorToString } from '../../api/selectors.js';
import { ageOf } from './duration.js';

const WIDE: TableColumnDefinition[] = [
  { name: 'Containers', type: 'string', description: 'Container names of the template', priority: 1 },
  { name: 'Images', type: 'string', description: 'Images of the template', priority: 1 },
  { name: 'Selector', type: 'string', description: 'Label selector', priority: 1 },
];

/** DEPLOYMENT_COLUMNS are the deployments table's columns. */
export const DEPLOYMENT_COLUMNS: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
  { name: 'Ready', type: 'string', description: 'Ready replicas / desired replicas', priority: 0 },
  { name: 'Up-to-date', type: 'integer', description: 'Replicas of the current template', priority: 0 },
  { name: 'Available', type: 'integer', description: 'Available replicas', priority: 0 },
  { name: 'Age', type: 'string', description: 'Time since creation', priority: 0 },
  ...WIDE,
];

/** REPLICASET_COLUMNS are the replicasets table's columns. */
export const REPLICASET_COLUMNS: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
  { name: 'Desired', type: 'integer', description: 'Desired replicas', priority: 0 },
  { name: 'Current', type: 'integer', description: 'Observed replicas', priority: 0 },
  { name: 'Ready', type: 'integer', description: 'Ready replicas', priority: 0 },
  { name: 'Age', type: 'string', description: 'Time since creation', priority: 0 },
  ...WIDE,
];

function wide(template: PodTemplateSpec | undefined, selector: Deployment['spec']['selector'] | undefined): string[] {
  const cs = template?.spec?.containers ?? [];
  let sel = '<none>';
  try {
    sel = selector ? labelSelectorToString(selector) || '<none>' : '<none>';
  } catch {
    sel = '<invalid>';
  }
  return [cs.map((c) => c.name).join(',') || '<none>', cs.map((c) => c.image).join(',') || '<none>', sel];
}

/** deploymentRow is one row of cells for DEPLOYMENT_COLUMNS. */
export function deploymentRow(d: Deployment, nowMs: number): unknown[] {
  const st = d.status ?? {};
  return [d.metadata.name, `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, ageOf(d.metadata.creationTimestamp, nowMs), ...wide(d.spec?.template, d.spec?.selector)];
}

/** replicaSetRow is one row of cells for REPLICASET_COLUMNS. */
export function replicaSetRow(rs: ReplicaSet, nowMs: number): unknown[] {
  const st = rs.status ?? { replicas: 0 };
  return [rs.metadata.name, rs.spec?.replicas ?? 1, st.replicas ?? 0, st.readyReplicas ?? 0, ageOf(rs.metadata.creationTimestamp, nowMs), ...wide(rs.spec?.template, rs.spec?.selector)];
}
