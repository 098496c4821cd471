import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache, nodeUpdateMayHelp } from '../../scheduler/cache.js';
import { readyNode } from '../../scheduler/node-info.js';
import { newPodInfo, updatePodInfo } from '../../scheduler/pod-info.js';
import type { Node } from '../../api/types.js';
import { pod } from './fixtures.js';

function used(cache: SchedulerCache, node: string) {
  const n = cache.nodeInfo(node);
  return n ? { cpu: n.reqCpu, memory: n.reqMemory, pods: n.podCount } : undefined;
}

test('assigned pods count on their node; finished and deleted pods stop counting', () => {
  const cache = new SchedulerCache();
  cache.setNode(readyNode('n1', { cpu: '4', memory: '8Gi' }));
  const running = pod({ name: 'r', cpu: '1', memory: '1Gi', nodeName: 'n1', phase: 'Running' });
  cache.setPod(running);
  cache.setPod(pod({ name: 's', cpu: '1', nodeName: 'n1', phase: 'Succeeded' }));
  assert.deepEqual(used(cache, 'n1'), { cpu: 1000, memory: 1024 ** 3, pods: 1 });
  const freed = cache.setPod({ ...running, status: { phase: 'Failed' } });
  assert.equal(freed, true, 'a finished pod frees its resources');
  assert.deepEqual(used(cache, 'n1'), { cpu: 0, memory: 0, pods: 0 });
  cache.setPod(running);
  assert.equal(cache.removePod(running), true);
  assert.deepEqual(used(cache, 'n1'), { cpu: 0, memory: 0, pods: 0 });
});

test('assume counts at once; the observed binding confirms, on the node the API says', () => {
  const cache = new SchedulerCache();
  cache.setNode(readyNode('n1', { cpu: '4', memory: '8Gi' }));
  cache.setNode(readyNode('n2', { cpu: '4', memory: '8Gi' }));
  const p = pod({ name: 'a', cpu: '500m' });
  assert.equal(cache.assumePod(newPodInfo(p), 'n1'), true);
  assert.equal(cache.assumePod(newPodInfo(p), 'n2'), false, 'a pod is counted once');
  assert.equal(cache.isAssumed('default/a'), true);
  assert.deepEqual(used(cache, 'n1'), { cpu: 500, memory: 0, pods: 1 });
  // the informer shows it bound to n1: confirmed, still counted once
  cache.setPod({ ...p, spec: { ...p.spec, nodeName: 'n1' } });
  assert.equal(cache.isAssumed('default/a'), false);
  assert.deepEqual(used(cache, 'n1'), { cpu: 500, memory: 0, pods: 1 });
  cache.forgetPod('default/a');
  assert.deepEqual(used(cache, 'n1'), { cpu: 500, memory: 0, pods: 1 }, 'forget leaves a confirmed pod alone');

  const b = pod({ name: 'b', cpu: '1' });
  cache.assumePod(newPodInfo(b), 'n1');
  cache.setPod({ ...b, spec: { ...b.spec, nodeName: 'n2' } }); // another scheduler won the race
  assert.deepEqual(used(cache, 'n1'), { cpu: 500, memory: 0, pods: 1 });
  assert.deepEqual(used(cache, 'n2'), { cpu: 1000, memory: 0, pods: 1 });
});

test('forget undoes an assumption after a failed bind', () => {
  const cache = new SchedulerCache();
  cache.setNode(readyNode('n1', { cpu: '4', memory: '8Gi' }));
  cache.assumePod(newPodInfo(pod({ name: 'a', cpu: '3' })), 'n1');
  assert.deepEqual(used(cache, 'n1'), { cpu: 3000, memory: 0, pods: 1 });
  cache.forgetPod('default/a');
  assert.deepEqual(used(cache, 'n1'), { cpu: 0, memory: 0, pods: 0 });
  assert.equal(cache.isCounted('default/a'), false);
  assert.deepEqual(cache.counts(), { nodes: 1, pods: 0, assumed: 0 });
});

test('pods seen before their node keep counting when the node appears; a removed node leaves the snapshot', () => {
  const cache = new SchedulerCache();
  cache.setPod(pod({ name: 'early', cpu: '2', nodeName: 'late-node', phase: 'Running' }));
  assert.equal(cache.snapshot.size, 0);
  cache.setNode(readyNode('late-node', { cpu: '4', memory: '8Gi' }));
  assert.equal(cache.snapshot.nodes().length, 1);
  assert.equal(cache.snapshot.nodes()[0]!.reqCpu, 2000);
  cache.removeNode('late-node');
  assert.equal(cache.snapshot.nodes().length, 0);
});

test('node updates that may help are told apart from heartbeats', () => {
  const base = readyNode('n', { cpu: '4', memory: '8Gi' });
  const variants: [string, Node, boolean][] = [
    ['heartbeat only', { ...base, status: { ...base.status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'later' }] } }, false],
    ['more cpu', readyNode('n', { cpu: '8', memory: '8Gi' }), true],
    ['became not ready', readyNode('n', { cpu: '4', memory: '8Gi' }, { ready: false }), true],
    ['cordoned', readyNode('n', { cpu: '4', memory: '8Gi' }, { unschedulable: true }), true],
    ['labels changed', readyNode('n', { cpu: '4', memory: '8Gi' }, { labels: { zone: 'a' } }), true],
    ['taints changed', readyNode('n', { cpu: '4', memory: '8Gi' }, { taints: [{ key: 'x', effect: 'NoSchedule' }] }), true],
  ];
  for (const [name, node, want] of variants) assert.equal(nodeUpdateMayHelp(base, node), want, name);
});

test('a new version of a pod reuses its numbers unless its resources changed', () => {
  const p = pod({ name: 'a', cpu: '250m', memory: '64Mi', hostPorts: [80] });
  const first = newPodInfo(p);
  const bound = updatePodInfo(first, { ...p, spec: { ...p.spec, nodeName: 'n1' }, status: { phase: 'Running' } });
  assert.equal(bound.hostPorts, first.hostPorts, 'numbers reused, not recomputed');
  assert.equal(bound.cpu, 250);
  assert.equal(bound.pod.spec.nodeName, 'n1');
  const resized = updatePodInfo(first, pod({ name: 'a', cpu: '500m', memory: '64Mi', hostPorts: [80] }));
  assert.equal(resized.cpu, 500, 'changed requests are parsed again');
  const other = updatePodInfo(first, { ...p, metadata: { ...p.metadata, uid: 'another' } });
  assert.notEqual(other.hostPorts, first.hostPorts, 'a different pod (uid) gets its own numbers');
});
