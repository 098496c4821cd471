import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseServerFlags } from '../../cli/commands/server.js';
import { isAlive, waitFor } from '../../lab/exec.js';
import { httpApi } from './http.js';

const FLOTILLA = resolve('bin/flotilla');
const dir = mkdtempSync(join(tmpdir(), 'flotilla-servercmd-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [FLOTILLA, 'server', ...args], { env: { ...process.env, HOME: join(dir, 'home'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exit };
}

test('flags parse with defaults and clear errors', () => {
  const f = parseServerFlags(['--listen', '0.0.0.0:7000', '--data-dir=/tmp/x', '--etcd-endpoints', 'http://a:1,http://b:2']);
  assert.ok(f !== 'help');
  assert.equal(f.listen, '0.0.0.0:7000');
  assert.equal(f.dataDir, '/tmp/x');
  assert.deepEqual(f.etcdEndpoints, ['http://a:1', 'http://b:2']);
  assert.equal(parseServerFlags(['--help']), 'help');
  assert.throws(() => parseServerFlags(['--nope']), /unknown option "--nope"/);
  assert.throws(() => parseServerFlags(['--listen']), /--listen needs a value/);
  assert.throws(() => parseServerFlags(['--etcd-endpoints', 'localhost']), /not a URL/);
});

test('flotilla server runs its own etcd, writes the client configs, serves HTTPS and stops cleanly on SIGTERM', async () => {
  const dataDir = join(dir, 'data');
  const s = start(['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'warn']);
  const cfgPath = join(dataDir, 'flotctl.yaml');
  await waitFor(`${cfgPath} (output so far: ${s.output()})`, 30000, () => (existsSync(cfgPath) ? true : undefined));
  const cfg = parse(readFileSync(cfgPath, 'utf8'));
  assert.match(cfg.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(cfg.token, readFileSync(join(dataDir, 'admin-token'), 'utf8').trim());
  assert.equal(readFileSync(cfg['certificate-authority'], 'utf8'), Buffer.from(cfg['certificate-authority-data'], 'base64').toString());
  assert.equal(readFileSync(join(dir, 'home', '.flotilla', 'config'), 'utf8'), readFileSync(cfgPath, 'utf8'));
  const api = httpApi({ url: cfg.server, token: cfg.token, caPem: Buffer.from(cfg['certificate-authority-data'], 'base64').toString() });
  try {
    const ns = await api.call('GET', '/api/v1/namespaces/default');
    assert.equal(ns.status, 200, ns.text);
  } finally {
    api.close();
  }
  const etcdPid = Number(/etcd: started \(pid (\d+)\)/.exec(s.output())?.[1]);
  assert.ok(etcdPid > 0 && isAlive(etcdPid), `own etcd is running (output: ${s.output()})`);
  assert.ok(existsSync(join(dataDir, 'etcd', 'member')), 'etcd data lives under the data dir');
  s.child.kill('SIGTERM');
  assert.equal(await s.exit, 0, s.output());
  await waitFor('etcd to stop', 10000, () => (isAlive(etcdPid) ? undefined : true));

  // A second start keeps the token and CA, and leaves an existing ~/.flotilla/config alone.
  writeFileSync(join(dir, 'home', '.flotilla', 'config'), 'server: https://elsewhere:6443\n');
  rmSync(cfgPath);
  const again = start(['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'warn']);
  await waitFor('the second flotctl.yaml', 30000, () => (existsSync(cfgPath) ? true : undefined));
  const cfg2 = parse(readFileSync(cfgPath, 'utf8'));
  assert.equal(cfg2.token, cfg.token);
  assert.equal(cfg2['certificate-authority-data'], cfg['certificate-authority-data']);
  assert.equal(readFileSync(join(dir, 'home', '.flotilla', 'config'), 'utf8'), 'server: https://elsewhere:6443\n');
  again.child.kill('SIGINT');
  assert.equal(await again.exit, 0, again.output());
});

test('flotilla server says clearly when etcd is missing or a flag is wrong', async () => {
  const noEtcd = start(['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data2')], { FLOTILLA_ETCD_BINARY: '/nonexistent/etcd' });
  assert.equal(await noEtcd.exit, 1);
  assert.match(noEtcd.output(), /etcd is not installed at \/nonexistent\/etcd/);
  assert.doesNotMatch(noEtcd.output(), /\n\s+at /, 'no stack trace');
  const badListen = start(['--listen', 'nowhere', '--data-dir', join(dir, 'data3'), '--etcd-endpoints', 'http://127.0.0.1:1']);
  assert.equal(await badListen.exit, 1);
  assert.match(badListen.output(), /--listen "nowhere" must be HOST:PORT/);
  mkdirSync(join(dir, 'x'), { recursive: true });
});
