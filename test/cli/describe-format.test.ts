import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeWriter, describeObject, eventsSection } from '../../cli/flotctl/describe-format.js';
import { tabwrite } from '../../cli/flotctl/tabwriter.js';
import type { Event, Node, Pod } from '../../api/types.js';

test('tabwrite aligns like Go text/tabwriter: blocks of consecutive cells, last cell unpadded, tab-less lines end blocks', () => {
  const opts = { minwidth: 0, padding: 2 };
  assert.equal(tabwrite('a:\tx\nlonger:\ty\n', opts), 'a:       x\nlonger:  y\n');
  // A line without a tab ends the block: the next block is aligned on its own.
  assert.equal(tabwrite('a:\tx\nheading:\n  bb:\ty\n', opts), 'a:  x\nheading:\n  bb:  y\n');
  // Deeper columns are aligned only within the lines that have them.
  assert.equal(tabwrite('k\tv\nA\tB\tC\nAAA\tB\tC\n', opts), 'k    v\nA    B  C\nAAA  B  C\n');
  // An empty terminated cell is padded (trailing spaces stay, as kubectl prints them).
  assert.equal(tabwrite('IP:\t\nName:\tx\n', opts), 'IP:    \nName:  x\n');
  assert.equal(tabwrite('ab\tc\n', { minwidth: 6, padding: 3 }), 'ab    c\n');
});

const pod: Pod = {
  kind: 'Pod', apiVersion: 'v1',
  metadata: {
    name: 'web-1', namespace: 'default', labels: { tier: 'front', app: 'web' }, creationTimestamp: '2026-11-23T08:00:00Z',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9', uid: 'u', controller: true }],
  },
  spec: {
    nodeName: 'node-1',
    containers: [{ name: 'httpd', image: 'busybox', command: ['httpd', '-f'], ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '50m' } }, readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 2 } }],
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  },
  status: {
    phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], hostIP: '10.0.0.2', startTime: '2026-11-23T08:00:01Z',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }],
    containerStatuses: [{
      name: 'httpd', ready: true, restartCount: 1, image: 'busybox', containerID: 'flotilla://abc', imageID: 'sha256:1',
      state: { running: { startedAt: '2026-11-23T08:00:02Z' } },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-11-23T08:00:01Z', finishedAt: '2026-11-23T08:00:02Z' } },
    }],
  },
};

test('describe of a pod is laid out as kubectl lays it out', () => {
  const text = describeObject(pod, { events: [] }, Date.parse('2026-11-23T08:10:00Z'));
  assert.equal(text, [
    'Name:         web-1',
    'Namespace:    default',
    'Node:         node-1/10.0.0.2',
    'Start Time:   Mon, 23 Nov 2026 08:00:01 +0000',
    'Labels:       app=web',
    '              tier=front',
    'Annotations:  <none>',
    'Status:       Running',
    'IP:           10.244.1.5',
    'IPs:',
    '  IP:           10.244.1.5',
    'Controlled By:  ReplicaSet/web-7d9',
    'Containers:',
    '  httpd:',
    '    Container ID:  flotilla://abc',
    '    Image:         busybox',
    '    Image ID:      sha256:1',
    '    Port:          8080/TCP',
    '    Host Port:     0/TCP',
    '    Command:',
    '      httpd',
    '      -f',
    '    State:          Running',
    '      Started:      Mon, 23 Nov 2026 08:00:02 +0000',
    '    Last State:     Terminated',
    '      Reason:       OOMKilled',
    '      Exit Code:    137',
    '      Started:      Mon, 23 Nov 2026 08:00:01 +0000',
    '      Finished:     Mon, 23 Nov 2026 08:00:02 +0000',
    '    Ready:          True',
    '    Restart Count:  1',
    '    Requests:',
    '      cpu:        50m',
    '    Readiness:    http-get http://:8080/ delay=0s timeout=1s period=2s #success=1 #failure=3',
    '    Environment:  <none>',
    '    Mounts:       <none>',
    'Conditions:',
    '  Type           Status',
    '  PodScheduled   True ',
    '  Ready          True ',
    'Volumes:         <none>',
    'QoS Class:       Burstable',
    'Node-Selectors:  <none>',
    'Tolerations:     node.kubernetes.io/unreachable:NoExecute op=Exists for 300s',
    'Events:          <none>',
    '',
  ].join('\n'));
});

test('describe of a node shows roles, taints, conditions, capacity and what its pods request', () => {
  const node: Node = {
    kind: 'Node', apiVersion: 'v1', metadata: { name: 'node-1', creationTimestamp: '2026-11-23T08:00:00Z', labels: { 'node-role.kubernetes.io/worker': '' } },
    spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
    status: {
      conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'agent stopped posting', lastHeartbeatTime: '2026-11-23T08:10:00Z', lastTransitionTime: '2026-11-23T08:10:40Z' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], allocatable: { cpu: '2', memory: '1Gi' },
    },
  };
  const out = describeObject(node, { nodePods: [pod], lease: { error: 'leases.coordination.k8s.io "node-1" not found' } }, Date.parse('2026-11-23T08:10:00Z'));
  assert.match(out, /^Roles: +worker$/m);
  assert.match(out, /^Taints: +node\.kubernetes\.io\/unreachable:NoExecute$/m);
  assert.match(out, /^Lease: +Failed to get lease: leases\.coordination\.k8s\.io "node-1" not found$/m);
  assert.ok(out.includes([
    'Conditions:',
    '  Type    Status    LastHeartbeatTime                 LastTransitionTime                Reason              Message',
    '  ----    ------    -----------------                 ------------------                ------              -------',
    '  Ready   Unknown   Mon, 23 Nov 2026 08:10:00 +0000   Mon, 23 Nov 2026 08:10:40 +0000   NodeStatusUnknown   agent stopped posting',
  ].join('\n')), out);
  assert.match(out, /^Non-terminated Pods: +\(1 in total\)$/m);
  assert.match(out, /^ {2}default +web-1 +50m \(2%\) +0 \(0%\) +0 \(0%\) +0 \(0%\) +10m$/m);
  assert.match(out, /^ {2}cpu +50m \(2%\) +0 \(0%\)$/m);
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

test('DescribeWriter.labels lists key=value pairs sorted, continuation lines aligned', () => {
  const w = new DescribeWriter().labels('Labels', { b: '2', a: '1' }).write(0, 'Name:\tx\n');
  assert.equal(w.toString(), 'Labels:  a=1\n         b=2\nName:    x\n');
});
