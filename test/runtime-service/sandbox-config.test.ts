import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podHostname, podCgroupResources, POD_LIMIT_ANNOTATIONS } from '../../runtime/sandbox/sandboxes.js';
import { logPathOf } from '../../runtime/sandbox/containers.js';
import { RuntimeServiceError } from '../../runtime/service/errors.js';

test('podHostname: the config hostname, else the pod name, cut to 63 characters; bad names are refused', () => {
  assert.equal(podHostname({ metadata: { name: 'web-1' } }), 'web-1');
  assert.equal(podHostname({ metadata: { name: 'web-1' }, hostname: 'custom' }), 'custom');
  assert.equal(podHostname({ metadata: { name: `${'a'.repeat(62)}-bbbb` } }), 'a'.repeat(62));
  assert.throws(() => podHostname({ metadata: { name: 'bad name' } }), (e: unknown) => e instanceof RuntimeServiceError && /config\.metadata\.name/.test(e.message));
});

test('podCgroupResources: linux.resources first, else the flotilla.io annotations, validated', () => {
  assert.deepEqual(podCgroupResources({ linux: { resources: { memoryLimitInBytes: 1 << 30, cpuShares: 512 } } }), { memoryBytes: 1 << 30, cpuShares: 512 });
  assert.deepEqual(podCgroupResources({ annotations: { [POD_LIMIT_ANNOTATIONS.memoryBytes]: '1048576', [POD_LIMIT_ANNOTATIONS.pidsLimit]: '64' } }), { memoryBytes: 1048576, pidsLimit: 64 });
  assert.deepEqual(podCgroupResources({}), {});
  assert.throws(() => podCgroupResources({ annotations: { [POD_LIMIT_ANNOTATIONS.cpuQuota]: 'lots' } }), /flotilla\.io\/pod-cpu-quota/);
  assert.throws(() => podCgroupResources({ linux: { resources: { cpuPeriod: 5 } } }), /config\.linux\.resources/);
});

test('logPathOf joins log_directory and log_path and refuses paths that climb out', () => {
  assert.equal(logPathOf({ logDirectory: '/var/log/pods/ns_p_u' }, { logPath: 'c/0.log' }, '/r/c1'), '/var/log/pods/ns_p_u/c/0.log');
  assert.equal(logPathOf({}, {}, '/r/c1'), '/r/c1/container.log');
  assert.throws(() => logPathOf({ logDirectory: '/var/log/pods/x' }, { logPath: '../../etc/passwd' }, '/r/c1'), /config\.log_path/);
});
