import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../api/types.js';
import { judgeNode, shouldEvict, UNREACHABLE_TAINT_KEY } from '../../controllers/node-lifecycle-logic.js';
import { assignPodCIDRs } from '../../controllers/pod-cidr-logic.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function node(name: string, o: { beat?: number; ready?: 'True' | 'Unknown'; taintedAt?: number; cidr?: string } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, creationTimestamp: iso(T0 - 3600_000) },
    spec: {
      podCIDR: o.cidr,
      taints: o.taintedAt !== undefined ? [
        { key: UNREACHABLE_TAINT_KEY, effect: 'NoSchedule', timeAdded: iso(o.taintedAt) },
        { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute', timeAdded: iso(o.taintedAt) },
      ] : [],
    },
    status: { conditions: [{ type: 'Ready', status: o.ready ?? 'True', lastHeartbeatTime: iso(o.beat ?? T0) }] },
  };
}

test('a node with fresh heartbeats is left alone', () => {
  assert.deepEqual(judgeNode(node('a', { beat: T0 }), undefined, T0 + 10_000), {});
});

test('a node silent for more than 40 s becomes Unknown and is tainted unreachable', () => {
  const v = judgeNode(node('a', { beat: T0 }), undefined, T0 + 41_000);
  assert.equal(v.readyCondition?.status, 'Unknown');
  assert.deepEqual(v.taints?.map((t) => `${t.key}:${t.effect}`), [`${UNREACHABLE_TAINT_KEY}:NoSchedule`, `${UNREACHABLE_TAINT_KEY}:NoExecute`]);
  assert.equal(shouldEvict(v, T0 + 41_000), false);
});

test('a fresh lease keeps a node Ready even when its status heartbeat is old', () => {
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' as const, metadata: { name: 'a' }, spec: { renewTime: iso(T0 + 35_000) } };
  assert.deepEqual(judgeNode(node('a', { beat: T0 }), lease, T0 + 60_000), {});
});

test('pods are evicted 60 s after the node was tainted', () => {
  const n = node('a', { beat: T0, ready: 'Unknown', taintedAt: T0 + 41_000 });
  const early = judgeNode(n, undefined, T0 + 90_000);
  assert.equal(early.readyCondition, undefined, 'already Unknown: no rewrite');
  assert.equal(early.taints, undefined, 'already tainted: no rewrite');
  assert.equal(shouldEvict(early, T0 + 90_000), false);
  assert.equal(shouldEvict(judgeNode(n, undefined, T0 + 101_000), T0 + 101_000), true);
});

test('a node that reports Ready again loses the unreachable taints', () => {
  const v = judgeNode(node('a', { beat: T0 + 200_000, ready: 'True', taintedAt: T0 + 41_000 }), undefined, T0 + 201_000);
  assert.deepEqual(v.taints, []);
});

test('assignPodCIDRs gives each new node the lowest free /24', () => {
  const got = assignPodCIDRs([node('c'), node('a', { cidr: '10.244.0.0/24' }), node('b'), node('d', { cidr: '10.244.2.0/24' })]);
  assert.deepEqual(Object.fromEntries(got), { b: '10.244.1.0/24', c: '10.244.3.0/24' });
});
