import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeWriter, describeObject, eventsSection } from '../../cli/flotctl/describe-format.js';
import type { Event, Node, Pod } from '../../api/types.js';

const pod: Pod = {
  kind: 'Pod', apiVersion: 'v1',
  metadata: { name: 'web-1', namespace: 'default', labels: { tier: 'front', app: 'web' }, creationTimestamp: '2026-11-23T08:00:00Z' },
  spec: {
    nodeName: 'node-1',
    containers: [{ name: 'httpd', image: 'busybox', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '50m' } } }],
  },
  status: {
    phase: 'Running', podIP: '10.244.1.5', hostIP: '10.0.0.2', startTime: '2026-11-23T08:00:01Z',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }],
    containerStatuses: [{
      name: 'httpd', ready: true, restartCount: 1, image: 'busybox',
      state: { running: { startedAt: '2026-11-23T08:00:02Z' } },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
    }],
  },
};

test('describe of a pod aligns values like kubectl: one column per run of key lines, whatever the indent', () => {
  assert.equal(describeObject(pod).toString(), [
    'Name:               web-1',
    'Namespace:          default',
    'Labels:             app=web',
    '                    tier=front',
    'Annotations:        <none>',
    'CreationTimestamp:  Mon, 23 Nov 2026 08:00:00 +0000',
    'Node:               node-1/10.0.0.2',
    'Start Time:         Mon, 23 Nov 2026 08:00:01 +0000',
    'Status:             Running',
    'IP:                 10.244.1.5',
    'Containers:',
    '  httpd:',
    '    Image:          busybox',
    '    Port:           8080/TCP',
    '    State:          Running',
    '      Started:      Mon, 23 Nov 2026 08:00:02 +0000',
    '    Last State:     Terminated',
    '      Reason:       OOMKilled',
    '      Exit Code:    137',
    '      Started:      <unset>',
    '      Finished:     <unset>',
    '    Ready:          True',
    '    Restart Count:  1',
    '    Requests:',
    '      cpu:        50m',
    '    Environment:  <none>',
    'Conditions:',
    '  Type          Status',
    '  PodScheduled  True',
    '  Ready         True',
    'Restart Policy:  Always',
    'Node-Selectors:  <none>',
    'Tolerations:     <none>',
    '',
  ].join('\n'));
});

test('describe of a node shows taints, an aligned conditions table, addresses and capacity', () => {
  const node: Node = {
    kind: 'Node', apiVersion: 'v1', metadata: { name: 'node-1', creationTimestamp: '2026-11-23T08:00:00Z' },
    spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
    status: {
      conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'agent stopped posting', lastHeartbeatTime: '2026-11-23T08:10:00Z' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], capacity: { cpu: '2' },
    },
  };
  const out = describeObject(node).toString();
  assert.match(out, /^Taints: +node\.kubernetes\.io\/unreachable:NoExecute$/m);
  assert.ok(out.includes([
    'Conditions:',
    '  Type   Status   LastHeartbeatTime                Reason             Message',
    '  ----   ------   -----------------                ------             -------',
    '  Ready  Unknown  Mon, 23 Nov 2026 08:10:00 +0000  NodeStatusUnknown  agent stopped posting',
  ].join('\n')), out);
  assert.match(out, /^ {2}InternalIP: +10\.0\.0\.2$/m);
  assert.match(out, /^Capacity:\n {2}cpu: +2$/m);
});

test('eventsSection prints <none>, or a table with ages and repeat counts', () => {
  assert.equal(eventsSection([]), 'Events:  <none>\n');
  const now = Date.parse('2026-11-23T08:10:00Z');
  const ev: Event = {
    kind: 'Event', apiVersion: 'v1', metadata: { name: 'e' }, involvedObject: { name: 'web-1' }, type: 'Warning', reason: 'BackOff',
    message: 'Back-off restarting failed container', source: { component: 'agent' },
    firstTimestamp: '2026-11-23T08:05:00Z', lastTimestamp: '2026-11-23T08:09:55Z', count: 4,
  };
  assert.equal(eventsSection([ev], now), [
    'Events:',
    '  Type     Reason   Age              From   Message',
    '  ----     ------   ----             ----   -------',
    '  Warning  BackOff  5s (x4 over 5m)  agent  Back-off restarting failed container',
    '',
  ].join('\n'));
});

test('DescribeWriter.map lists key=value pairs sorted, continuation lines aligned', () => {
  const w = new DescribeWriter().map(0, 'Labels', { b: '2', a: '1' }).line(0, 'Name', 'x');
  assert.equal(w.toString(), 'Labels:  a=1\n         b=2\nName:    x\n');
});
