import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Node } from '../../api/types.js';
import { RouteManager, desiredRoutes, diffRoutes } from '../../agent/routes.js';
import { requireRoot } from '../helpers/root.js';

function node(name: string, cidr?: string, ip?: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: cidr ? { podCIDR: cidr } : {}, status: ip ? { addresses: [{ type: 'InternalIP', address: ip }] } : {} };
}

test('desiredRoutes: every other node with a CIDR and an InternalIP', () => {
  const nodes = [node('self', '10.244.0.0/24', '10.0.0.1'), node('b', '10.244.1.0/24', '10.0.0.2'), node('c', undefined, '10.0.0.3'), node('d', '10.244.3.0/24')];
  assert.deepEqual([...desiredRoutes(nodes, 'self')], [['10.244.1.0/24', '10.0.0.2']]);
});

test('diffRoutes: replace changed or new, remove gone', () => {
  const cur = new Map([['a', '1'], ['b', '2'], ['c', '3']]);
  const want = new Map([['a', '1'], ['b', '9'], ['d', '4']]);
  assert.deepEqual(diffRoutes(cur, want), { replace: [['b', '9'], ['d', '4']], remove: ['c'] });
});

test('RouteManager sets and removes kernel routes (in a network namespace of its own)', async (t) => {
  if (!requireRoot(t, 'network namespaces')) return;
  const ns = `flotilla-rt-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  t.after(() => execFileSync('ip', ['netns', 'del', ns]));
  const ip = (...a: string[]) => execFileSync('ip', ['-n', ns, ...a], { encoding: 'utf8' });
  ip('link', 'add', 'flt-dummy0', 'type', 'veth', 'peer', 'name', 'flt-dummy1');
  ip('link', 'set', 'flt-dummy1', 'up');
  ip('addr', 'add', '192.168.77.1/24', 'dev', 'flt-dummy0');
  ip('link', 'set', 'flt-dummy0', 'up');
  const errors: unknown[] = [];
  const m = new RouteManager('self', ['ip', '-n', ns], (e) => errors.push(e));
  await m.sync([node('self', '10.244.0.0/24', '192.168.77.1'), node('b', '10.244.1.0/24', '192.168.77.2'), node('c', '10.244.2.0/24', '192.168.77.3')]);
  let routes = ip('route', 'show');
  assert.match(routes, /10\.244\.1\.0\/24 via 192\.168\.77\.2/);
  assert.match(routes, /10\.244\.2\.0\/24 via 192\.168\.77\.3/);
  assert.doesNotMatch(routes, /10\.244\.0\.0/);
  await m.sync([node('self', '10.244.0.0/24', '192.168.77.1'), node('b', '10.244.1.0/24', '192.168.77.4')]);
  routes = ip('route', 'show');
  assert.match(routes, /10\.244\.1\.0\/24 via 192\.168\.77\.4/);
  assert.doesNotMatch(routes, /10\.244\.2\.0/);
  await m.clear();
  assert.doesNotMatch(ip('route', 'show'), /10\.244\./);
  assert.deepEqual(errors, []);
});
