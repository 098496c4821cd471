import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_NODES_MESSAGE, failureSummary } from '../../scheduler/summary.js';
import { REASON_CPU, REASON_MEMORY, REASON_PODS } from '../../scheduler/plugins/node-resources-fit.js';
import { REASON_AFFINITY } from '../../scheduler/plugins/node-affinity.js';
import { REASON_NOT_READY, REASON_UNSCHEDULABLE } from '../../scheduler/plugins/node-unschedulable.js';
import { REASON_PORTS } from '../../scheduler/plugins/node-ports.js';

const r = (...reasons: string[]) => ({ reasons });

test('failure summary reads like kubectl', () => {
  const cases: { name: string; nodes: number; statuses: { reasons: string[] }[]; pre?: string; want: string }[] = [
    {
      name: 'the example of the issue',
      nodes: 3,
      statuses: [r(REASON_MEMORY), r(REASON_AFFINITY), r(REASON_MEMORY)],
      want: "0/3 nodes are available: 2 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector.",
    },
    { name: 'one node, one reason', nodes: 1, statuses: [r(REASON_CPU)], want: '0/1 nodes are available: 1 Insufficient cpu.' },
    {
      name: 'a node with two reasons counts in both',
      nodes: 2,
      statuses: [r(REASON_CPU, REASON_MEMORY), r(REASON_MEMORY)],
      want: '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.',
    },
    {
      name: 'ordered by reason text',
      nodes: 5,
      statuses: [r(REASON_UNSCHEDULABLE), r(REASON_NOT_READY), r(REASON_PORTS), r(REASON_PODS), r('node(s) had untolerated taint {dedicated: gpu}')],
      want: "0/5 nodes are available: 1 Too many pods, 1 node(s) didn't have free ports for the requested pod ports, " +
        '1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were not ready, 1 node(s) were unschedulable.',
    },
    { name: 'pod rejected before any node', nodes: 4, statuses: [], pre: 'invalid resources: bad', want: '0/4 nodes are available: invalid resources: bad.' },
    { name: 'no nodes at all', nodes: 0, statuses: [], want: NO_NODES_MESSAGE },
  ];
  for (const c of cases) assert.equal(failureSummary(c.nodes, c.statuses, c.pre), c.want, c.name);
});
