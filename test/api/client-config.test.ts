import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatClientConfig, loadClientConfig, parseConfigText } from '../../api/config.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'flotilla-config-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('flags win over FLOTILLA_CONFIG, which wins over ~/.flotilla/config', (t) => {
  const home = tmp(t);
  mkdirSync(join(home, '.flotilla'));
  writeFileSync(join(home, '.flotilla', 'config'), 'server: https://home:1\ntoken: home-token\n');
  writeFileSync(join(home, 'env.yaml'), formatClientConfig({ server: 'https://env:2', token: 'env-token', caPem: PEM }));
  assert.equal(loadClientConfig({ home, env: {} }).server, 'https://home:1');
  const fromEnv = loadClientConfig({ home, env: { FLOTILLA_CONFIG: join(home, 'env.yaml') } });
  assert.deepEqual([fromEnv.server, fromEnv.token, fromEnv.ca], ['https://env:2', 'env-token', PEM]);
  const fromFlags = loadClientConfig({ home, env: { FLOTILLA_CONFIG: join(home, 'env.yaml') }, server: 'https://flag:3' });
  assert.deepEqual([fromFlags.server, fromFlags.token], ['https://flag:3', 'env-token']);
});

test('certificate-authority is a path relative to the config file; nested YAML is read too', (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'ca.crt'), PEM);
  writeFileSync(join(dir, 'c.yaml'), '# flotctl config\nserver: "https://127.0.0.1:6443"\ntoken: abc # trailing comment\ncertificate-authority: ca.crt\ninsecure-skip-tls-verify: false\n');
  const cfg = loadClientConfig({ configPath: join(dir, 'c.yaml'), env: {} });
  assert.deepEqual([cfg.server, cfg.token, cfg.ca, cfg.insecureSkipTLSVerify], ['https://127.0.0.1:6443', 'abc', PEM, undefined]);
  assert.deepEqual(parseConfigText('server: https://x:1\nextra:\n  nested: true\n', 'n.yaml'), { server: 'https://x:1', extra: { nested: true } });
});

test('a missing config says what to pass; a named missing file is named', (t) => {
  const home = tmp(t);
  assert.throws(() => loadClientConfig({ home, env: {} }), (e: Error) => e instanceof ConfigError && /--server https:\/\/HOST:PORT --token TOKEN/.test(e.message) && /FLOTILLA_CONFIG/.test(e.message));
  assert.throws(() => loadClientConfig({ home, env: { FLOTILLA_CONFIG: join(home, 'nope.yaml') } }), /nope\.yaml \(from FLOTILLA_CONFIG\) does not exist/);
  writeFileSync(join(home, 'bad.yaml'), 'server: [x\n');
  assert.throws(() => loadClientConfig({ home, env: {}, configPath: join(home, 'bad.yaml') }), /bad\.yaml:\d+:\d+:/);
  writeFileSync(join(home, 'noserver.yaml'), 'token: t\n');
  assert.throws(() => loadClientConfig({ home, env: {}, configPath: join(home, 'noserver.yaml') }), /has no "server" key/);
  writeFileSync(join(home, 'badca.yaml'), 'server: https://x:1\ncertificate-authority-data: bm90IGEgY2VydA==\n');
  assert.throws(() => loadClientConfig({ home, env: {}, configPath: join(home, 'badca.yaml') }), /not a base64 PEM/);
});
