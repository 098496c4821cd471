import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable, cellText } from '../../cli/flotctl/table-format.js';
import { humanDuration } from '../../api/human-duration.js';
import type { Table } from '../../api/types.js';

test('humanDuration prints ages as kubectl does', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [0, '0s'], [-500, '0s'], [-5000, '<invalid>'], [5 * s, '5s'], [119 * s, '119s'], [120 * s, '2m'], [200 * s, '3m20s'],
    [9 * 60 * s, '9m'], [25 * 60 * s, '25m'], [179 * 60 * s, '179m'], [3 * 3600 * s, '3h'], [5 * 3600 * s + 3 * 60 * s, '5h3m'],
    [30 * 3600 * s, '30h'], [3 * 86400 * s, '3d'], [6 * 86400 * s + 2 * 3600 * s, '6d2h'], [40 * 86400 * s, '40d'],
    [(2 * 365 + 10) * 86400 * s, '2y10d'], [9 * 365 * 86400 * s, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
});

const podTable: Table = {
  kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '7' },
  columnDefinitions: [
    { name: 'Name', type: 'string' }, { name: 'Ready', type: 'string' }, { name: 'Status', type: 'string' },
    { name: 'Restarts', type: 'integer' }, { name: 'Age', type: 'string' },
  ],
  rows: [
    { cells: ['web-1', '1/1', 'Running', 0, '2026-11-23T08:00:00Z'], object: { metadata: { name: 'web-1', namespace: 'default' } } },
    { cells: ['a-much-longer-name', '0/1', 'Pending', 12, '5s'], object: { metadata: { name: 'a-much-longer-name', namespace: 'kube' } } },
  ],
};

test('formatTable aligns columns with 3 spaces after the widest cell and leaves the last unpadded', () => {
  const now = Date.parse('2026-11-23T08:03:20Z');
  const lines = formatTable(podTable, { now });
  assert.deepEqual(lines, [
    'NAME                 READY   STATUS    RESTARTS   AGE',
    'web-1                1/1     Running   0          3m20s',
    'a-much-longer-name   0/1     Pending   12         5s',
  ]);
});

test('formatTable adds a NAMESPACE column from the row objects with -A, and can drop headers', () => {
  const now = Date.parse('2026-11-23T11:00:00Z');
  const lines = formatTable(podTable, { now, withNamespace: true, noHeaders: true });
  assert.deepEqual(lines, [
    'default   web-1                1/1   Running   0     3h',
    'kube      a-much-longer-name   0/1   Pending   12    5s',
  ]);
});

test('short columns are padded to the tabwriter minimum of 6, empty cells print <none>', () => {
  const t: Table = {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {},
    columnDefinitions: [{ name: 'A', type: 'string' }, { name: 'B', type: 'string' }, { name: 'C', type: 'string' }],
    rows: [{ cells: ['x', null, ''] }],
  };
  assert.deepEqual(formatTable(t), ['A     B        C', 'x     <none>   <none>']);
});

test('cellText turns date columns into ages and joins arrays', () => {
  const now = Date.parse('2026-11-23T08:00:10Z');
  assert.equal(cellText('2026-11-23T08:00:00Z', { name: 'Created', type: 'date' }, now), '10s');
  assert.equal(cellText('2026-11-23T08:00:00Z', { name: 'Message', type: 'string' }, now), '2026-11-23T08:00:00Z');
  assert.equal(cellText(['a', 'b'], undefined, now), 'a,b');
  assert.equal(cellText(true, undefined, now), 'true');
});
