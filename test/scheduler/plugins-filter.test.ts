import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type Status } from '../../scheduler/framework/types.js';
import { NodeUnschedulable, REASON_NOT_READY, REASON_UNSCHEDULABLE } from '../../scheduler/plugins/node-unschedulable.js';
import { NodeResourcesFit, REASON_CPU, REASON_MEMORY, REASON_PODS, insufficient, insufficientReasons } from '../../scheduler/plugins/node-resources-fit.js';
import { NodeAffinity, REASON_AFFINITY } from '../../scheduler/plugins/node-affinity.js';
import { TaintToleration } from '../../scheduler/plugins/taint-toleration.js';
import { NodePorts, REASON_PORTS } from '../../scheduler/plugins/node-ports.js';
import { matchesRequirement } from '../../scheduler/node-selector.js';
import { tolerates } from '../../scheduler/tolerations.js';
import type { NodeSelectorRequirement, Taint, Toleration } from '../../api/types.js';
import { type PodSpecLite, nodeInfo, podInfo } from './fixtures.js';

const state = new CycleState();
const brief = (s: Status) => ({ code: s.code, reasons: [...s.reasons] });

test('NodeUnschedulable: cordoned and not-ready nodes are filtered out', () => {
  const plugin = new NodeUnschedulable();
  const cases: { name: string; node: Parameters<typeof nodeInfo>[1]; tolerations?: Toleration[]; want: { code: string; reasons: string[] } }[] = [
    { name: 'ready and schedulable', node: {}, want: { code: 'Success', reasons: [] } },
    { name: 'cordoned', node: { unschedulable: true }, want: { code: 'UnschedulableAndUnresolvable', reasons: [REASON_UNSCHEDULABLE] } },
    {
      name: 'cordoned but tolerated',
      node: { unschedulable: true },
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
      want: { code: 'Success', reasons: [] },
    },
    { name: 'not ready', node: { ready: false }, want: { code: 'UnschedulableAndUnresolvable', reasons: [REASON_NOT_READY] } },
  ];
  for (const c of cases) {
    const got = plugin.filter(state, podInfo({ tolerations: c.tolerations }), nodeInfo('n', c.node));
    assert.deepEqual(brief(got), c.want, c.name);
    if (got.code !== 'Success') assert.equal(got.plugin, 'NodeUnschedulable');
  }
});

test('NodeResourcesFit: requests of the node pods plus the pod must stay within allocatable', () => {
  const plugin = new NodeResourcesFit();
  const cases = [
    { name: 'empty node', node: { cpu: '1', memory: '1Gi' }, on: [], pod: { cpu: '500m', memory: '512Mi' }, want: [] },
    { name: 'exactly full', node: { cpu: '1', memory: '1Gi' }, on: [{ cpu: '500m', memory: '512Mi' }], pod: { cpu: '500m', memory: '512Mi' }, want: [] },
    { name: 'cpu over by 1m', node: { cpu: '1', memory: '1Gi' }, on: [{ cpu: '501m' }], pod: { cpu: '500m' }, want: [REASON_CPU] },
    { name: 'memory over', node: { cpu: '1', memory: '1Gi' }, on: [{ memory: '1000Mi' }], pod: { memory: '128Mi' }, want: [REASON_MEMORY] },
    { name: 'both over', node: { cpu: '1', memory: '1Gi' }, on: [], pod: { cpu: '2', memory: '2Gi' }, want: [REASON_CPU, REASON_MEMORY] },
    { name: 'pod slots full', node: { pods: '2' }, on: [{}, {}], pod: {}, want: [REASON_PODS] },
    { name: 'all three', node: { cpu: '1', memory: '1Gi', pods: '1' }, on: [{}], pod: { cpu: '2', memory: '2Gi' }, want: [REASON_PODS, REASON_CPU, REASON_MEMORY] },
    { name: 'no requests fits an over-committed node', node: { cpu: '1' }, on: [{ cpu: '1' }], pod: {}, want: [] },
    { name: 'limits count when requests are absent', node: { cpu: '1' }, on: [{ cpu: '800m', limitsOnly: true }], pod: { cpu: '300m', limitsOnly: true }, want: [REASON_CPU] },
    { name: 'decimal units: 1G memory node', node: { memory: '1G' }, on: [], pod: { memory: '1Gi' }, want: [REASON_MEMORY] },
    { name: 'terminated pods are not counted by the cache, so the fraction 0.5 cpu fits', node: { cpu: '1' }, on: [{ cpu: '0.5' }], pod: { cpu: '500m' }, want: [] },
  ];
  for (const c of cases) {
    const node = nodeInfo('n', c.node, c.on.map((p) => podInfo(p)));
    const got = plugin.filter(state, podInfo(c.pod), node);
    assert.deepEqual([...got.reasons], c.want, c.name);
    assert.equal(got.code, c.want.length ? 'Unschedulable' : 'Success', c.name);
    assert.deepEqual(insufficientReasons(insufficient(podInfo(c.pod), node)), c.want, `${c.name} (pure)`);
  }
});

test('NodeResourcesFit: a pod with an unparseable quantity is rejected before any node', () => {
  const plugin = new NodeResourcesFit();
  const bad = podInfo({ cpu: '12x' });
  const s = plugin.preFilter(state, bad);
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.match(s.reasons[0]!, /invalid resources: .*12x/);
});

test('node selector requirements: In, NotIn, Exists, DoesNotExist, Gt, Lt', () => {
  const labels = { zone: 'a', disk: 'ssd', cores: '8' };
  const cases: [NodeSelectorRequirement, boolean][] = [
    [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, true],
    [{ key: 'zone', operator: 'In', values: ['b'] }, false],
    [{ key: 'missing', operator: 'In', values: ['a'] }, false],
    [{ key: 'zone', operator: 'NotIn', values: ['b'] }, true],
    [{ key: 'zone', operator: 'NotIn', values: ['a'] }, false],
    [{ key: 'missing', operator: 'NotIn', values: ['a'] }, true],
    [{ key: 'disk', operator: 'Exists' }, true],
    [{ key: 'missing', operator: 'Exists' }, false],
    [{ key: 'disk', operator: 'DoesNotExist' }, false],
    [{ key: 'missing', operator: 'DoesNotExist' }, true],
    [{ key: 'cores', operator: 'Gt', values: ['4'] }, true],
    [{ key: 'cores', operator: 'Gt', values: ['8'] }, false],
    [{ key: 'cores', operator: 'Lt', values: ['16'] }, true],
    [{ key: 'cores', operator: 'Lt', values: ['8'] }, false],
    [{ key: 'zone', operator: 'Gt', values: ['1'] }, false],
    [{ key: 'cores', operator: 'Gt', values: ['x'] }, false],
    [{ key: 'missing', operator: 'Lt', values: ['1'] }, false],
  ];
  for (const [req, want] of cases) assert.equal(matchesRequirement(req, labels), want, JSON.stringify(req));
});

test('NodeAffinity: nodeSelector and required terms filter; no constraints skip the plugin', () => {
  const plugin = new NodeAffinity();
  const node = nodeInfo('n', { labels: { zone: 'a', disk: 'ssd' } });
  const req = (...terms: NodeSelectorRequirement[][]) => ({
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((t) => ({ matchExpressions: t })) },
  });
  const cases: { name: string; pod: PodSpecLite; skip: boolean; ok: boolean }[] = [
    { name: 'no constraints', pod: {}, skip: true, ok: true },
    { name: 'nodeSelector match', pod: { nodeSelector: { zone: 'a' } }, skip: false, ok: true },
    { name: 'nodeSelector mismatch', pod: { nodeSelector: { zone: 'b' } }, skip: false, ok: false },
    { name: 'nodeSelector partial', pod: { nodeSelector: { zone: 'a', disk: 'hdd' } }, skip: false, ok: false },
    { name: 'required In', pod: { nodeAffinity: req([{ key: 'zone', operator: 'In', values: ['a'] }]) }, skip: false, ok: true },
    { name: 'required terms ORed', pod: { nodeAffinity: req([{ key: 'zone', operator: 'In', values: ['b'] }], [{ key: 'disk', operator: 'Exists' }]) }, skip: false, ok: true },
    {
      name: 'required expressions ANDed',
      pod: { nodeAffinity: req([{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'DoesNotExist' }]) },
      skip: false,
      ok: false,
    },
    { name: 'empty term matches nothing', pod: { nodeAffinity: req([]) }, skip: false, ok: false },
    { name: 'selector and affinity both needed', pod: { nodeSelector: { zone: 'b' }, nodeAffinity: req([{ key: 'disk', operator: 'Exists' }]) }, skip: false, ok: false },
  ];
  for (const c of cases) {
    const p = podInfo(c.pod);
    assert.equal(plugin.preFilter(state, p).code === 'Skip', c.skip, `${c.name}: skip`);
    const s = plugin.filter(state, p, node);
    assert.deepEqual(brief(s), c.ok ? { code: 'Success', reasons: [] } : { code: 'UnschedulableAndUnresolvable', reasons: [REASON_AFFINITY] }, c.name);
  }
});

test('tolerations match taints like Kubernetes', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const cases: [Toleration, boolean][] = [
    [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', value: 'gpu' }, true],
    [{ key: 'dedicated', operator: 'Equal', value: 'cpu', effect: 'NoSchedule' }, false],
    [{ key: 'dedicated', operator: 'Exists' }, true],
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ operator: 'Exists' }, true],
    [{ key: 'other', operator: 'Exists' }, false],
  ];
  for (const [t, want] of cases) assert.equal(tolerates(t, taint), want, JSON.stringify(t));
});

test('TaintToleration filter: NoSchedule and NoExecute need a toleration, PreferNoSchedule does not', () => {
  const plugin = new TaintToleration();
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; want: string[] }[] = [
    { name: 'no taints', taints: [], want: [] },
    { name: 'NoSchedule untolerated', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], want: ['node(s) had untolerated taint {dedicated: gpu}'] },
    { name: 'NoExecute untolerated, empty value', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], want: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'] },
    { name: 'PreferNoSchedule only scores', taints: [{ key: 'spot', effect: 'PreferNoSchedule' }], want: [] },
    { name: 'tolerated', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], tolerations: [{ key: 'dedicated', operator: 'Exists' }], want: [] },
    {
      name: 'second taint untolerated',
      taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', value: 'x', effect: 'NoExecute' }],
      tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }],
      want: ['node(s) had untolerated taint {b: x}'],
    },
  ];
  for (const c of cases) {
    const s = plugin.filter(state, podInfo({ tolerations: c.tolerations }), nodeInfo('n', { taints: c.taints }));
    assert.deepEqual([...s.reasons], c.want, c.name);
    assert.equal(s.code, c.want.length ? 'UnschedulableAndUnresolvable' : 'Success', c.name);
  }
});

test('NodePorts: a used host port rules the node out; pods without host ports skip', () => {
  const plugin = new NodePorts();
  const node = nodeInfo('n', {}, [podInfo({ hostPorts: [8080] })]);
  assert.equal(plugin.preFilter(state, podInfo({})).code, 'Skip');
  assert.equal(plugin.preFilter(state, podInfo({ hostPorts: [80] })).code, 'Success');
  assert.deepEqual(brief(plugin.filter(state, podInfo({ hostPorts: [80] }), node)), { code: 'Success', reasons: [] });
  assert.deepEqual(brief(plugin.filter(state, podInfo({ hostPorts: [80, 8080] }), node)), { code: 'Unschedulable', reasons: [REASON_PORTS] });
  node.removePod([...node.pods.keys()][0]!);
  assert.equal(plugin.filter(state, podInfo({ hostPorts: [8080] }), node).code, 'Success', 'port free again after the pod left');
});
