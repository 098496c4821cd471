/**
 * The printer of each kind: its column definitions and its row function, in one table so the
 * server prints every resource the same way (and flotctl and kubectl show the same columns).
 */
import type { KubeObject, TableColumnDefinition } from '../../api/types.js';
import { POD_COLUMNS, podRow } from './pods.js';
import { NODE_COLUMNS, nodeRow } from './nodes.js';
import { DEPLOYMENT_COLUMNS, REPLICASET_COLUMNS, deploymentRow, replicaSetRow } from './apps.js';
import { EVENT_COLUMNS, LEASE_COLUMNS, NAMESPACE_COLUMNS, eventRow, leaseRow, namespaceRow } from './misc.js';
import { ageOf } from './duration.js';

/** Printer is a kind's columns and a pure function from an object to its cells. */
export interface Printer {
  columns: TableColumnDefinition[];
  row(obj: any, nowMs: number): unknown[];
}

const DEFAULT: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
    { name: 'Age', type: 'string', description: 'Time since creation', priority: 0 },
  ],
  row: (o: KubeObject, now: number) => [o.metadata.name, ageOf(o.metadata.creationTimestamp, now)],
};

/** PRINTERS maps a kind to its printer. */
export const PRINTERS: Record<string, Printer> = {
  Pod: { columns: POD_COLUMNS, row: podRow },
  Node: { columns: NODE_COLUMNS, row: nodeRow },
  Namespace: { columns: NAMESPACE_COLUMNS, row: namespaceRow },
  Deployment: { columns: DEPLOYMENT_COLUMNS, row: deploymentRow },
  ReplicaSet: { columns: REPLICASET_COLUMNS, row: replicaSetRow },
  Event: { columns: EVENT_COLUMNS, row: eventRow },
  Lease: { columns: LEASE_COLUMNS, row: leaseRow },
};

/** printerFor gives the printer of a kind (a NAME AGE table for kinds without one). */
export function printerFor(kind: string): Printer {
  return PRINTERS[kind] ?? DEFAULT;
}
