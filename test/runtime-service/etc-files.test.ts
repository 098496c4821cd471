import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsFile, resolvConf } from '../../runtime/network/etc-files.js';

test('hostsFile maps localhost and the pod IP to the hostname', () => {
  const text = hostsFile('web-1', '10.244.1.5');
  assert.match(text, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(text, /^10\.244\.1\.5\tweb-1$/m);
  assert.doesNotMatch(hostsFile('web-1', undefined), /web-1/);
});

test('resolvConf uses dns_config when given, else the host file without loopback servers', () => {
  assert.equal(
    resolvConf({ servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] }, 'nameserver 1.1.1.1\n'),
    'search default.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
  );
  assert.equal(resolvConf(null, 'search lan\nnameserver 127.0.0.53\nnameserver 192.168.1.1\n'), 'search lan\nnameserver 192.168.1.1\n');
  assert.equal(resolvConf({ servers: [], searches: [], options: [] }, ''), '');
});
