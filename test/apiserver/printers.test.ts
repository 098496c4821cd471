import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ageOf } from '../../apiserver/printers/duration.js';
import { humanDuration } from '../../api/human-duration.js';
import { podRow, podStatusReason } from '../../apiserver/printers/pods.js';
import { nodeRoles, nodeStatusText } from '../../apiserver/printers/nodes.js';
import { deploymentRow, replicaSetRow } from '../../apiserver/printers/apps.js';
import { eventRow } from '../../apiserver/printers/misc.js';
import { buildTable, tableVersionWanted } from '../../apiserver/table.js';
import type { Pod, Node } from '../../api/types.js';

test('humanDuration matches kubectl', () => {
  const cases: [number, string][] = [
    [0, '0s'], [59_000, '59s'], [119_000, '119s'], [120_000, '2m'], [185_000, '3m5s'], [600_000, '10m'], [179 * 60_000, '179m'],
    [3 * 3600_000, '3h'], [3 * 3600_000 + 25 * 60_000, '3h25m'], [20 * 3600_000, '20h'], [3 * 86400_000, '3d'], [3 * 86400_000 + 5 * 3600_000, '3d5h'],
    [30 * 86400_000, '30d'], [800 * 86400_000, '2y70d'], [-500, '0s'], [-5000, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
  assert.equal(ageOf(undefined, 0), '<unknown>');
  assert.equal(ageOf('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:01:30Z')), '90s');
});

function pod(status: Pod['status'], extra: Partial<Pod['metadata']> = {}, containers = 1): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z', ...extra },
    spec: { containers: Array.from({ length: containers }, (_, i) => ({ name: `c${i}`, image: 'x' })), nodeName: 'n1' },
    ...(status ? { status } : {}),
  };
}
const cs = (state: any, extra: any = {}) => ({ name: 'c0', image: 'x', ready: false, restartCount: 0, state, ...extra });

test('pod STATUS follows kubectl: Terminating, container reasons, phase', () => {
  assert.equal(podStatusReason(pod(undefined)), 'Pending');
  assert.equal(podStatusReason(pod({ phase: 'Running', containerStatuses: [cs({ running: {} }, { ready: true })] })), 'Running');
  assert.equal(podStatusReason(pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ImagePullBackOff' } })] })), 'ImagePullBackOff');
  assert.equal(podStatusReason(pod({ phase: 'Running', containerStatuses: [cs({ waiting: { reason: 'CrashLoopBackOff' } })] })), 'CrashLoopBackOff');
  assert.equal(podStatusReason(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 137, reason: 'OOMKilled' } })] })), 'OOMKilled');
  assert.equal(podStatusReason(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 3 } })] })), 'ExitCode:3');
  assert.equal(podStatusReason(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 0, signal: 9 } })] })), 'Signal:9');
  assert.equal(podStatusReason(pod({ phase: 'Running', reason: 'Evicted' })), 'Evicted');
  assert.equal(podStatusReason(pod({ phase: 'Running' }, { deletionTimestamp: '2026-01-01T00:00:30Z' })), 'Terminating');
  const mixed = pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } }), { ...cs({ running: {} }, { ready: true }), name: 'c1' }] }, {}, 2);
  assert.equal(podStatusReason(mixed), 'Running', 'Completed with a running ready container and Ready condition shows Running');
});

test('pod rows count ready containers and restarts with the last restart age', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  const p = pod({ phase: 'Running', podIP: '10.244.0.5', containerStatuses: [
    cs({ running: {} }, { ready: true, restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:55:00Z' } } }),
    { ...cs({ running: {} }, { ready: false, restartCount: 1 }), name: 'c1' },
  ] }, {}, 2);
  assert.deepEqual(podRow(p, now), ['p', '1/2', 'Running', '3 (5m ago)', '60m', '10.244.0.5', 'n1']);
  assert.deepEqual(podRow(pod(undefined), now).slice(1, 7), ['0/1', 'Pending', '0', '60m', '<none>', 'n1']);
});

test('node STATUS and ROLES', () => {
  const node = (conds: any[], unschedulable = false, labels: Record<string, string> = {}): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', labels }, spec: { unschedulable }, status: { conditions: conds } });
  assert.equal(nodeStatusText(node([{ type: 'Ready', status: 'True' }])), 'Ready');
  assert.equal(nodeStatusText(node([{ type: 'Ready', status: 'False' }])), 'NotReady');
  assert.equal(nodeStatusText(node([{ type: 'Ready', status: 'Unknown' }])), 'Unknown');
  assert.equal(nodeStatusText(node([])), 'Unknown');
  assert.equal(nodeStatusText(node([{ type: 'Ready', status: 'False' }], true)), 'NotReady,SchedulingDisabled');
  assert.equal(nodeRoles(node([], false, { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' })), 'control-plane,worker');
  assert.equal(nodeRoles(node([])), '<none>');
});

test('deployment, replicaset and event rows', () => {
  const now = Date.parse('2026-01-01T00:00:10Z');
  const tpl = { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } };
  assert.deepEqual(
    deploymentRow({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { replicas: 3, selector: { matchLabels: { app: 'w' } }, template: tpl }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } }, now),
    ['d', '2/3', 3, 2, '10s', 'web', 'nginx:1', 'app=w'],
  );
  assert.deepEqual(
    replicaSetRow({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { replicas: 2, selector: { matchLabels: { app: 'w' } }, template: tpl }, status: { replicas: 2, readyReplicas: 1 } }, now).slice(0, 5),
    ['rs', 2, 2, 1, '10s'],
  );
  const ev = eventRow({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'web-1' }, reason: 'Pulled', message: 'pulled image\n', type: 'Normal', lastTimestamp: '2026-01-01T00:00:05Z', count: 2 }, now);
  assert.deepEqual(ev.slice(0, 5), ['5s', 'Normal', 'Pulled', 'pod/web-1', 'pulled image']);
});

test('Table negotiation and shape', () => {
  assert.equal(tableVersionWanted('application/json;as=Table;v=v1;g=meta.k8s.io,application/json'), 'v1');
  assert.equal(tableVersionWanted('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), 'v1beta1');
  assert.equal(tableVersionWanted('application/json'), undefined);
  assert.equal(tableVersionWanted(undefined), undefined);
  assert.equal(tableVersionWanted('application/json;as=Table;v=v2;g=meta.k8s.io,application/json'), undefined);
  const t = buildTable('Pod', [pod(undefined)], '42', 'v1', 'Object', 0);
  assert.equal(t.metadata.resourceVersion, '42');
  assert.equal((t.rows[0]!.object as Pod).kind, 'Pod');
  assert.equal(buildTable('Pod', [pod(undefined)], '1', 'v1', 'None').rows[0]!.object, undefined);
  assert.deepEqual(buildTable('Lease', [], '1').columnDefinitions.map((c) => c.name), ['Name', 'Holder', 'Age']);
});
