import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cgroupAncestors, computeCapacity, parseMeminfo, parseV1Cpu, parseV1Memory, parseV2Cpu, parseV2Memory, readNodeCapacity,
} from '../../agent/node-resources.js';

test('parsers read the files of /proc and both cgroup versions', () => {
  assert.equal(parseMeminfo('MemTotal:        8048124 kB\nMemFree:  1 kB\n'), 8048124 * 1024);
  assert.throws(() => parseMeminfo('nothing'), /MemTotal/);
  assert.equal(parseV1Memory('9223372036854771712\n'), undefined);
  assert.equal(parseV1Memory('536870912\n'), 536870912);
  assert.equal(parseV1Cpu('-1', '100000'), undefined);
  assert.equal(parseV1Cpu('150000', '100000'), 1500);
  assert.equal(parseV2Memory('max\n'), undefined);
  assert.equal(parseV2Memory('1073741824\n'), 1073741824);
  assert.equal(parseV2Cpu('max 100000\n'), undefined);
  assert.equal(parseV2Cpu('50000 100000\n'), 500);
});

test('computeCapacity: the machine bounded by every limit on the way', () => {
  const gi = 2 ** 30;
  const cases: { name: string; facts: Parameters<typeof computeCapacity>[0]; want: Record<string, string> }[] = [
    { name: 'no limits', facts: { cpus: 2, memoryBytes: 8 * gi, limits: [] }, want: { cpu: '2', memory: '8Gi', pods: '110' } },
    { name: 'parent memory and cpu', facts: { cpus: 4, memoryBytes: 8 * gi, limits: [{ memoryBytes: gi, cpuMilli: 1500 }] }, want: { cpu: '1500m', memory: '1Gi', pods: '110' } },
    { name: 'ancestor tighter', facts: { cpus: 4, memoryBytes: 8 * gi, limits: [{ memoryBytes: 2 * gi }, { memoryBytes: gi / 2, cpuMilli: 3000 }] }, want: { cpu: '3', memory: '512Mi', pods: '110' } },
    { name: 'odd memory rounds to Ki', facts: { cpus: 1, memoryBytes: 1025 * 1024 + 7, limits: [], maxPods: 10 }, want: { cpu: '1', memory: '1025Ki', pods: '10' } },
  ];
  for (const c of cases) assert.deepEqual(computeCapacity(c.facts), c.want, c.name);
});

test('cgroupAncestors walks up to the root', () => {
  assert.deepEqual(cgroupAncestors('/a/b/c'), ['/a/b/c', '/a/b', '/a']);
  assert.deepEqual(cgroupAncestors('flotilla'), ['/flotilla']);
  assert.deepEqual(cgroupAncestors('/'), []);
});

test('readNodeCapacity reads this machine', () => {
  const cap = readNodeCapacity();
  assert.match(cap.cpu!, /^\d+(m)?$/);
  assert.match(cap.memory!, /^\d+(Ki|Mi|Gi)$/);
  assert.equal(cap.pods, '110');
});
