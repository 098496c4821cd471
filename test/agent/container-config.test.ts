import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerConfig, containerResources, sandboxConfig } from '../../agent/container-config.js';
import { pullPolicyOf } from '../../agent/image-puller.js';
import { observedContainer } from '../../agent/observed-pod.js';
import { pod } from './fixtures.js';

test('containerResources: limits to CFS quota and memory, requests to shares', () => {
  const cases: [Record<string, Record<string, string>> | undefined, object][] = [
    [undefined, { cpuShares: 2 }],
    [{ limits: { cpu: '500m', memory: '64Mi' } }, { cpuPeriod: 100000, cpuQuota: 50000, cpuShares: 512, memoryLimitInBytes: 67108864 }],
    [{ requests: { cpu: '250m' }, limits: { cpu: '2' } }, { cpuPeriod: 100000, cpuQuota: 200000, cpuShares: 256 }],
    [{ requests: { cpu: '1m' } }, { cpuShares: 2 }],
    [{ limits: { cpu: '1m' } }, { cpuPeriod: 100000, cpuQuota: 1000, cpuShares: 2 }],
  ];
  for (const [resources, want] of cases) {
    assert.deepEqual(containerResources({ name: 'a', image: 'x', resources }), want, JSON.stringify(resources));
  }
  assert.throws(() => containerResources({ name: 'a', image: 'x', resources: { limits: { memory: '12x' } } }), /12x/);
});

test('sandboxConfig and containerConfig carry what a restarted agent needs to rebuild its view', () => {
  const p = pod([{ name: 'web', image: 'busybox:latest', command: ['sh', '-c'], args: ['echo hi'], workingDir: '/tmp', env: [{ name: 'A', value: '1' }] }]);
  const sb = sandboxConfig(p, 2, { rootDir: '/var/lib/flotilla/agent', cgroupParent: '/flotilla-x' });
  assert.deepEqual(sb.metadata, { name: 'web', uid: 'uid-1', namespace: 'default', attempt: 2 });
  assert.equal(sb.logDirectory, '/var/lib/flotilla/agent/pods/default_web_uid-1');
  assert.equal(sb.hostname, 'web');
  assert.equal(sb.linux?.cgroupParent, '/flotilla-x');
  assert.equal(sb.labels!['io.kubernetes.pod.uid'], 'uid-1');
  const cc = containerConfig(p, p.spec.containers[0]!, 3, 20000);
  assert.deepEqual(cc.metadata, { name: 'web', attempt: 3 });
  assert.deepEqual([cc.command, cc.args, cc.workingDir, cc.envs], [['sh', '-c'], ['echo hi'], '/tmp', [{ key: 'A', value: '1' }]]);
  assert.equal(cc.logPath, 'web/3.log');
  // What the runtime gives back maps to the same attempt, delay and name.
  const back = observedContainer({ id: 'c', state: 'CONTAINER_RUNNING', labels: cc.labels, annotations: cc.annotations }, 's');
  assert.deepEqual([back.name, back.attempt, back.restartDelayMs, back.state], ['web', 3, 20000, 'running']);
});

test('pullPolicyOf: Kubernetes defaults', () => {
  const cases: [string, string | undefined, string][] = [
    ['busybox', undefined, 'Always'], ['busybox:latest', undefined, 'Always'], ['busybox:1.36', undefined, 'IfNotPresent'],
    ['localhost:5000/app', undefined, 'Always'], ['localhost:5000/app:v1', undefined, 'IfNotPresent'],
    ['busybox@sha256:abc', undefined, 'IfNotPresent'], ['busybox:latest', 'Never', 'Never'],
  ];
  for (const [image, policy, want] of cases) assert.equal(pullPolicyOf({ name: 'a', image, imagePullPolicy: policy as never }), want, image);
});
