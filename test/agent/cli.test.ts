import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireCommand, requireRoot } from '../helpers/root.js';

const BIN = fileURLToPath(new URL('../../../bin/flotilla', import.meta.url));

function agent(args: string[], prefix: string[] = []): { code: number | null; out: string } {
  const cmd = prefix.length ? prefix[0]! : process.execPath;
  const argv = prefix.length ? [...prefix.slice(1), process.execPath, BIN, 'agent', ...args] : [BIN, 'agent', ...args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('flotilla agent: bad flags get one clear line, no stack', (t) => {
  if (!requireRoot(t)) return;
  const cases: [string[], RegExp][] = [
    [['--token', 't'], /--server and --token are required/],
    [['--server', 'https://127.0.0.1:1', '--token', 't', '--port', 'abc'], /--port: "abc" is not a port number/],
    [['--server', 'https://127.0.0.1:1', '--token', 't', '--pod-cidr', '10.244.0.0'], /--pod-cidr: "10\.244\.0\.0" is not an IPv4 CIDR/],
    [['--server', 'https://127.0.0.1:1', '--token', 't', '--bogus'], /Unknown option '--bogus'/],
    [['--server', 'https://127.0.0.1:1', '--token', 't', '--ca', '/nonexistent/flotilla-ca.crt'], /--ca \/nonexistent\/flotilla-ca\.crt: ENOENT/],
  ];
  for (const [args, want] of cases) {
    const r = agent(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.out, want, args.join(' '));
    assert.doesNotMatch(r.out, /\n\s+at /, `no stack trace for ${args.join(' ')}`);
  }
  const help = agent(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: flotilla agent --server URL --token T/);
});

test('flotilla agent refuses clearly when not root', async (t) => {
  if (!requireRoot(t, 'switching to an unprivileged user')) return;
  if (!(await requireCommand(t, 'setpriv'))) return;
  const r = agent(['--server', 'https://127.0.0.1:1', '--token', 't'], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /flotilla agent needs root: it creates namespaces, cgroups and mounts/);
});
