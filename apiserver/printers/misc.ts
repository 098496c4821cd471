/**
 * The namespaces (NAME STATUS AGE), events (LAST SEEN TYPE REASON OBJECT MESSAGE) and leases
 * (NAME HOLDER AGE) tables.
 */
import type { Event, Lease, Namespace, TableColumnDefinition } from '../../api/types.js';
import { ageOf } from './duration.js';

/** NAMESPACE_COLUMNS are the namespaces table's columns. */
export const NAMESPACE_COLUMNS: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
  { name: 'Status', type: 'string', description: 'Active or Terminating', priority: 0 },
  { name: 'Age', type: 'string', description: 'Time since creation', priority: 0 },
];

/** namespaceRow is one row of cells for NAMESPACE_COLUMNS. */
export function namespaceRow(ns: Namespace, nowMs: number): unknown[] {
  return [ns.metadata.name, ns.metadata.deletionTimestamp ? 'Terminating' : ns.status?.phase ?? 'Active', ageOf(ns.metadata.creationTimestamp, nowMs)];
}

/** EVENT_COLUMNS are the events table's columns. */
export const EVENT_COLUMNS: TableColumnDefinition[] = [
  { name: 'Last Seen', type: 'string', description: 'Time since the event was last seen', priority: 0 },
  { name: 'Type', type: 'string', description: 'Normal or Warning', priority: 0 },
  { name: 'Reason', type: 'string', description: 'Short reason', priority: 0 },
  { name: 'Object', type: 'string', description: 'The object the event is about', priority: 0 },
  { name: 'Message', type: 'string', description: 'What happened', priority: 0 },
  { name: 'Source', type: 'string', description: 'Component that reported it', priority: 1 },
  { name: 'Count', type: 'integer', description: 'Times seen', priority: 1 },
  { name: 'Name', type: 'string', format: 'name', description: 'Name of the event object', priority: 1 },
];

/** eventRow is one row of cells for EVENT_COLUMNS. */
export function eventRow(e: Event, nowMs: number): unknown[] {
  const io = e.involvedObject ?? {};
  const last = e.lastTimestamp ?? (e as { eventTime?: string }).eventTime ?? e.metadata.creationTimestamp;
  return [
    ageOf(last, nowMs),
    e.type ?? 'Normal',
    e.reason ?? '',
    `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
    (e.message ?? '').trim(),
    e.source?.component ?? e.reportingComponent ?? '',
    e.count ?? 1,
    e.metadata.name,
  ];
}

/** LEASE_COLUMNS are the leases table's columns. */
export const LEASE_COLUMNS: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
  { name: 'Holder', type: 'string', description: 'Holder identity', priority: 0 },
  { name: 'Age', type: 'string', description: 'Time since creation', priority: 0 },
];

/** leaseRow is one row of cells for LEASE_COLUMNS. */
export function leaseRow(l: Lease, nowMs: number): unknown[] {
  return [l.metadata.name, l.spec?.holderIdentity ?? '', ageOf(l.metadata.creationTimestamp, nowMs)];
}
