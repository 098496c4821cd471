import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidr, gatewayOf, broadcastOf, nextFree, ipToInt, intToIp, CidrError } from '../../runtime/network/cidr.js';
import { HostLocalIpam, IpamError } from '../../runtime/network/ipam.js';

test('parseCidr clears host bits and refuses malformed or unusable CIDRs', () => {
  assert.deepEqual(parseCidr('10.244.1.7/24'), { network: ipToInt('10.244.1.0'), prefix: 24, text: '10.244.1.0/24' });
  assert.equal(gatewayOf(parseCidr('10.244.3.0/24')), '10.244.3.1');
  assert.equal(broadcastOf(parseCidr('10.244.3.0/24')), '10.244.3.255');
  assert.equal(intToIp(ipToInt('192.168.200.17')), '192.168.200.17');
  for (const bad of ['10.244.1.0', '10.244.1.0/33', '10.244.1.0/31', '10.256.1.0/24', 'x/24', '10.244.1/24']) {
    assert.throws(() => parseCidr(bad), CidrError, bad);
  }
});

test('nextFree skips the network, gateway and broadcast and wraps after the last reserved', () => {
  const c = parseCidr('10.0.0.0/29'); // .0 network, .1 gateway, .2-.6 pods, .7 broadcast
  assert.equal(nextFree(c, new Set()), '10.0.0.2');
  assert.equal(nextFree(c, new Set(['10.0.0.2'])), '10.0.0.3');
  assert.equal(nextFree(c, new Set(), '10.0.0.4'), '10.0.0.5');
  assert.equal(nextFree(c, new Set(), '10.0.0.6'), '10.0.0.2');
  assert.equal(nextFree(c, new Set(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'])), null);
});

test('HostLocalIpam keeps one O_EXCL file per address, survives a new instance, and releases by owner', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-ipam-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cidr = parseCidr('10.0.0.0/29');
  const a = new HostLocalIpam(dir);
  const first = a.allocate(cidr, 'sandbox-a');
  assert.deepEqual(first, { ip: '10.0.0.2', prefix: 29, gateway: '10.0.0.1' });
  assert.equal(a.allocate(cidr, 'sandbox-a').ip, '10.0.0.2', 'same owner gets its address back');
  assert.equal(readFileSync(join(dir, '10.0.0.2'), 'utf8'), 'sandbox-a');

  const b = new HostLocalIpam(dir); // a restarted runtime
  assert.equal(b.allocate(cidr, 'sandbox-b').ip, '10.0.0.3');
  assert.deepEqual(b.release('sandbox-a'), ['10.0.0.2']);
  assert.equal(b.allocate(cidr, 'sandbox-c').ip, '10.0.0.4', 'a just-released address is not reused at once');
  for (const o of ['d', 'e', 'f']) b.allocate(cidr, o);
  assert.throws(() => b.allocate(cidr, 'g'), (e: unknown) => e instanceof IpamError && e.code === 'FLT_ERR_IPAM_EXHAUSTED' && /10\.0\.0\.0\/29/.test(e.message));
  for (const o of ['sandbox-b', 'sandbox-c', 'd', 'e', 'f']) b.release(o);
  assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('last_reserved')), []);
});

test('HostLocalIpam reads the lease files once: a restart finds them, an address taken behind its back is skipped', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-ipam-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cidr = parseCidr('10.0.0.0/28');
  const a = new HostLocalIpam(dir);
  assert.equal(a.allocate(cidr, 'p1').ip, '10.0.0.2');
  assert.equal(a.allocate(cidr, 'p2').ip, '10.0.0.3');
  writeFileSync(join(dir, '10.0.0.4'), 'stranger'); // another allocator, after a loaded the files
  assert.equal(a.allocate(cidr, 'p3').ip, '10.0.0.5', 'the O_EXCL create still guards');
  assert.deepEqual(a.release('p2'), ['10.0.0.3']);

  const b = new HostLocalIpam(dir); // a restarted runtime: the files are the state
  assert.deepEqual([...b.allocated()].sort(), [['10.0.0.2', 'p1'], ['10.0.0.4', 'stranger'], ['10.0.0.5', 'p3']]);
  assert.equal(b.allocate(cidr, 'p3').ip, '10.0.0.5', 'an owner gets its address back after a restart');
  assert.equal(b.allocate(cidr, 'p4').ip, '10.0.0.6', 'allocation goes on after the last reserved');
  assert.deepEqual(b.release('p1'), ['10.0.0.2']);
  assert.deepEqual(readdirSync(dir).filter((n) => n !== 'last_reserved').sort(), ['10.0.0.4', '10.0.0.5', '10.0.0.6']);
});
