/**
 * The pods table (NAME READY STATUS RESTARTS AGE, and IP NODE with -o wide), with the STATUS
 * column computed as kubectl computes it: Terminating, else a container's waiting or terminated
 * reason, else the phase.
 */
import type { Pod, TableColumnDefinition } from '../../api/types.js';
import { ageOf } from './duration.js';

/** POD_COLUMNS are the pods table's columns; priority 1 shows only with -o wide. */
export const POD_COLUMNS: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name of the pod', priority: 0 },
  { name: 'Ready', type: 'string', description: 'Ready containers / all containers', priority: 0 },
  { name: 'Status', type: 'string', description: 'Why the pod is in its state', priority: 0 },
  { name: 'Restarts', type: 'string', description: 'Container restarts, and how long ago the last one was', priority: 0 },
  { name: 'Age', type: 'string', description: 'Time since creation', priority: 0 },
  { name: 'IP', type: 'string', description: 'Pod IP', priority: 1 },
  { name: 'Node', type: 'string', description: 'Node the pod is bound to', priority: 1 },
];

/** podStatusReason is the STATUS cell of a pod, as kubectl prints it. */
export function podStatusReason(pod: Pod): string {
  let reason: string = pod.status?.reason || pod.status?.phase || 'Pending';
  let hasRunning = false;
  const statuses = pod.status?.containerStatuses ?? [];
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i]!;
    const st = c.state ?? {};
    if (st.waiting?.reason) reason = st.waiting.reason;
    else if (st.terminated?.reason) reason = st.terminated.reason;
    else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
    else if (c.ready && st.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) {
    const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    reason = ready ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

/** podRow is one row of cells for POD_COLUMNS. */
export function podRow(pod: Pod, nowMs: number): unknown[] {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? statuses.length;
  const ready = statuses.filter((c) => c.ready).length;
  let restarts = 0;
  let lastRestart = 0;
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    const fin = c.lastState?.terminated?.finishedAt;
    if (fin) lastRestart = Math.max(lastRestart, Date.parse(fin) || 0);
  }
  const restartCell = restarts > 0 && lastRestart > 0 ? `${restarts} (${ageOf(new Date(lastRestart).toISOString(), nowMs)} ago)` : String(restarts);
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    podStatusReason(pod),
    restartCell,
    ageOf(pod.metadata.creationTimestamp, nowMs),
    pod.status?.podIP || '<none>',
    pod.spec?.nodeName || '<none>',
  ];
}
