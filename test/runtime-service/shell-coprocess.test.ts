import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShellCoprocess, ShellPool, ShellScriptError } from '../../runtime/network/shell-coprocess.js';
import { hostThenNetnsScript, NetworkCommandError } from '../../runtime/network/ip-command.js';

test('ShellCoprocess runs scripts in order in one shell, reports failures, and survives its shell dying', async (t) => {
  const sh = new ShellCoprocess();
  t.after(() => sh.close());
  const [a, b] = await Promise.all([sh.run('echo one; echo $$'), sh.run('echo two >&2; echo $$')]);
  assert.equal(a.split('\n')[0], 'one');
  assert.equal(b.split('\n')[0], 'two', 'stderr is collected too');
  assert.equal(a.split('\n')[1], b.split('\n')[1], 'same shell process');
  await assert.rejects(sh.run('echo before; false; echo never'), (e: unknown) => e instanceof ShellScriptError && e.exitCode === 1 && /before/.test(e.message) && !/never/.test(e.output));
  assert.equal(await sh.run('cat <<EOF\nheredoc works\nEOF'), 'heredoc works\n');
  await assert.rejects(sh.run('kill -9 $$'), ShellScriptError);
  assert.equal(await sh.run('echo back'), 'back\n', 'a new shell replaces a dead one');
  await assert.rejects(sh.run('sleep 5', 200), /timed out after 200 ms/);
});

test('ShellPool runs concurrent scripts in different shells', async (t) => {
  const pool = new ShellPool(2);
  t.after(() => pool.close());
  const pids = await Promise.all([pool.run('sleep 0.2; echo $$'), pool.run('sleep 0.2; echo $$')]);
  assert.notEqual(pids[0], pids[1], 'the second script did not queue behind the first');
});

test('hostThenNetnsScript builds two ip batches and refuses unsafe paths', () => {
  const s = hostThenNetnsScript(['link add a type veth peer name eth0 netns /x/ns/net'], '/x/ns/net', ['link set eth0 up']);
  assert.equal(s, "ip -batch - <<'FLOTILLA_HOST'\nlink add a type veth peer name eth0 netns /x/ns/net\nFLOTILLA_HOST\nnsenter --net=/x/ns/net ip -batch - <<'FLOTILLA_POD'\nlink set eth0 up\nFLOTILLA_POD");
  assert.throws(() => hostThenNetnsScript([], '/x y/net', ['x']), NetworkCommandError);
  assert.throws(() => hostThenNetnsScript(['a\nFLOTILLA_HOST'], '/x', []), NetworkCommandError);
});
