/**
 * The client's connection to a real HTTPS API server: everything one ApiClient sends (a burst of
 * creates, lists, watches) shares one HTTP/2 connection and one TLS SecureContext; it connects again
 * after the server restarts or the link dies; timeouts, TLS failures and close() behave as they did
 * over HTTP/1.1; and HTTP/1.1 clients (node:https, curl --http1.1) are still served.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import tls from 'node:tls';
import { syncBuiltinESMExports } from 'node:module';
import { promisify } from 'node:util';
import { ApiClient, ClientError } from '../../api/client.js';
import { resourceByName } from '../../api/resources.js';
import { startApiServer } from '../../apiserver/server.js';
import type { Pod } from '../../api/types.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { CuttableProxy } from '../helpers/cuttable-proxy.js';
import { requireCommand } from '../helpers/root.js';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane();
});
after(async () => {
  await cp?.stop();
});

function pod(name: string, annotations?: Record<string, string>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
}

function podWatchers(on: ControlPlane = cp): number {
  return on.server.context.hub.hub(resourceByName('pods')!).subscriberCount;
}

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** viaProxy makes a client that reaches cp through a CuttableProxy; the test ends both. */
async function viaProxy(t: { after(fn: () => Promise<void> | void): void }, opts: { timeoutMs?: number } = {}): Promise<{ client: ApiClient; proxy: CuttableProxy; url: string }> {
  const target = new URL(cp.url);
  const proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port) });
  const url = await proxy.listen();
  const client = new ApiClient({ server: url, token: cp.token, ca: cp.caPem, ...opts });
  t.after(async () => {
    client.close();
    await proxy.close();
  });
  return { client, proxy, url };
}

/** spying runs fn and returns the TLS secure contexts made and the TLS sockets opened meanwhile. */
async function spying(fn: () => Promise<void>): Promise<{ contexts: number; sockets: tls.TLSSocket[] }> {
  const made = { contexts: 0, sockets: [] as tls.TLSSocket[] };
  const { createSecureContext, connect } = tls;
  tls.createSecureContext = (...args) => {
    made.contexts++;
    return createSecureContext(...args);
  };
  tls.connect = ((...args: Parameters<typeof connect>) => {
    const s = connect(...args);
    made.sockets.push(s);
    return s;
  }) as typeof connect;
  syncBuiltinESMExports(); // so that `import * as tls` in the client sees the spies
  try {
    await fn();
  } finally {
    Object.assign(tls, { createSecureContext, connect });
    syncBuiltinESMExports();
  }
  return made;
}

test('a burst of 50 creates, lists and three watches share one HTTP/2 connection and one secure context', async (t) => {
  let client: ApiClient | undefined;
  let proxy: CuttableProxy | undefined;
  const made = await spying(async () => {
    ({ client, proxy } = await viaProxy(t));
    const names = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    const out = await Promise.all(names.map((n) => client!.create<Pod>('pods', pod(n), 'default')));
    assert.deepEqual(out.map((p) => p.metadata.name), names);
    const seen: string[][] = [[], [], []];
    const watches = seen.map((s) => client!.watch<Pod>('pods', { namespace: 'default', resourceVersion: out.at(-1)!.metadata.resourceVersion }, (e) => s.push(e.object.metadata.name!)));
    await waitFor('three watchers on the server', () => podWatchers() === 3);
    await Promise.all([client!.create('pods', pod('burst-after'), 'default'), client!.list('pods', { namespace: 'default' })]);
    await waitFor('every watch to see the create', () => seen.every((s) => s.includes('burst-after')));
    for (const w of watches) w.stop();
    await Promise.all(watches.map((w) => w.done));
    await waitFor('stop() to end the watchers on the server', () => podWatchers() === 0);
  });
  assert.equal(proxy!.accepted, 1, 'one TCP connection for everything');
  assert.equal(made.sockets.length, 1);
  assert.equal(made.sockets[0]!.alpnProtocol, 'h2', 'the connection speaks HTTP/2');
  assert.equal(made.contexts, 1, 'one SecureContext for the client, none per connection');
});

function https(path: string, opts: RequestOptions = {}, body?: string): Promise<{ res: IncomingMessage; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(cp.url + path, { ca: cp.caPem, headers: { Authorization: `Bearer ${cp.token}`, 'Content-Type': 'application/json' }, ...opts }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ res, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('HTTP/1.1 clients are still served: node:https (no ALPN h2) for every verb and a watch, curl --http1.1 and curl over h2', async (t) => {
  const made = await https('/api/v1/namespaces/default/pods', { method: 'POST' }, JSON.stringify(pod('h1-pod')));
  assert.equal(made.res.statusCode, 201, made.text);
  assert.equal(made.res.httpVersion, '1.1');
  assert.equal((await https('/api/v1/namespaces/default/pods/h1-pod')).res.statusCode, 200);
  const missing = await https('/api/v1/namespaces/default/pods/h1-none');
  assert.equal(missing.res.statusCode, 404);
  assert.equal(JSON.parse(missing.text).reason, 'NotFound');

  // A watch over HTTP/1.1 is a chunked body; closing the connection ends the server's watcher.
  const rv = JSON.parse(made.text).metadata.resourceVersion;
  const lines: string[] = [];
  const req = request(`${cp.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, { ca: cp.caPem, headers: { Authorization: `Bearer ${cp.token}` } });
  const res = await new Promise<IncomingMessage>((resolve, reject) => req.on('response', resolve).on('error', reject).end());
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  res.setEncoding('utf8');
  res.on('data', (c: string) => lines.push(...c.split('\n').filter(Boolean)));
  res.on('error', () => undefined);
  await https('/api/v1/namespaces/default/pods/h1-pod', { method: 'DELETE' });
  await waitFor('the DELETED event over HTTP/1.1', () => lines.some((l) => JSON.parse(l).type === 'DELETED'));
  req.destroy();
  await waitFor('the HTTP/1.1 watcher to end on the server', () => podWatchers() === 0);

  if (!(await requireCommand(t, 'curl'))) return;
  const curl = (...args: string[]) => promisify(execFile)('curl', ['-sS', '--cacert', cp.caFile, '-H', `Authorization: Bearer ${cp.token}`, '-o', '/dev/null', '-w', '%{http_code} %{http_version}', ...args]);
  assert.equal((await curl('--http1.1', `${cp.url}/api/v1/namespaces/default/pods`)).stdout, '200 1.1');
  assert.equal((await curl('--http2', `${cp.url}/api/v1/namespaces/default/pods`)).stdout, '200 2');
});

test('a list of several MiB arrives whole over HTTP/2 and over HTTP/1.1', async () => {
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  try {
    const filler = 'x'.repeat(40_000);
    await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'big-list' } });
    await Promise.all(Array.from({ length: 120 }, (_, i) => client.create('pods', pod(`big-${i}`, { filler }), 'big-list')));
    const h2 = await client.list<Pod>('pods', { namespace: 'big-list' });
    assert.equal(h2.items.length, 120);
    assert.ok(h2.items.every((p) => p.metadata.annotations?.filler === filler));
    const h1 = await https('/api/v1/namespaces/big-list/pods');
    assert.ok(h1.text.length > 4_800_000, `${h1.text.length} bytes`);
    assert.equal(JSON.parse(h1.text).items.length, 120);
  } finally {
    client.close();
  }
});

test('after the server restarts on the same port the client connects again; a watch open meanwhile ends', async (t) => {
  const own = await startControlPlane();
  const client = new ApiClient({ server: own.url, token: own.token, ca: own.caPem });
  let second: Awaited<ReturnType<typeof startApiServer>> | undefined;
  t.after(async () => {
    client.close();
    await second?.close();
    await own.stop();
  });
  await client.create('pods', pod('before-restart'), 'default');
  const w = client.watch('pods', { namespace: 'default' }, () => undefined);
  await waitFor('the watch to open', () => podWatchers(own) === 1);
  // The closing server ends its watches; had it died, done would reject with FLT_ERR_CLIENT_CONNECT
  // (looked at from now on: the watch may end before close() has settled).
  const ended = w.done.catch((e: unknown) => assert.equal((e as ClientError).code, 'FLT_ERR_CLIENT_CONNECT'));
  await own.server.close();
  await ended;
  second = await startApiServer({ listen: new URL(own.url).host, dataDir: own.dataDir, etcdEndpoints: own.etcdEndpoints, logLevel: 'warn' });
  assert.equal(second.url, own.url);
  assert.deepEqual((await client.list('pods', { namespace: 'default' })).items.map((p) => p.metadata.name), ['before-restart']);
  await client.create('pods', pod('after-restart'), 'default');
});

test('a read lost with its connection is sent once more on a new one; a write is not; a watch fails', async (t) => {
  const { client, proxy } = await viaProxy(t);
  await client.list('pods', { namespace: 'default' });
  const w = client.watch('pods', { namespace: 'default' }, () => undefined);
  const watchFailed = assert.rejects(w.done, { code: 'FLT_ERR_CLIENT_CONNECT' });
  await waitFor('the watch to open', () => podWatchers() === 1);
  proxy.freeze();
  const read = client.get<Pod>('pods', 'burst-1', 'default');
  const write = assert.rejects(client.create('pods', pod('lost-write'), 'default'), {
    code: 'FLT_ERR_CLIENT_CONNECT', message: /^POST https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/pods: the connection closed before the answer was complete$/,
  });
  await new Promise((r) => setTimeout(r, 200));
  proxy.drop();
  assert.equal((await read).metadata.name, 'burst-1');
  await write;
  await watchFailed;
  assert.equal(proxy.accepted, 2);
  await assert.rejects(client.get('pods', 'lost-write', 'default'), { code: 'FLT_ERR_API_NOT_FOUND' });
});

test('no answer in time is FLT_ERR_CLIENT_TIMEOUT as before; the silent connection is dropped after an unanswered ping', async (t) => {
  const { client, proxy, url } = await viaProxy(t, { timeoutMs: 500 });
  await client.list('pods', { namespace: 'default' });
  proxy.freeze();
  await assert.rejects(client.get('pods', 'x', 'default'), (e: unknown) => {
    assert.ok(e instanceof ClientError);
    assert.equal(e.code, 'FLT_ERR_CLIENT_TIMEOUT');
    assert.equal(e.message, `GET ${url}/api/v1/namespaces/default/pods/x: no answer within 500 ms`);
    return true;
  });
  // Requests keep timing out on the frozen connection until its ping goes unanswered (5 s).
  const started = Date.now();
  let listed = false;
  while (!listed && Date.now() - started < 15_000) {
    listed = await client.list('pods', { namespace: 'default' }).then(() => true, () => false);
  }
  assert.ok(listed, 'a list went through on a new connection');
  assert.equal(proxy.accepted, 2);
});

test('TLS and connect failures read as before: wrong CA, refused, and only https:// URLs', async () => {
  const stranger = new ApiClient({ server: cp.url, token: cp.token, ca: undefined });
  await assert.rejects(stranger.list('pods', { namespace: 'default' }), (e: unknown) => {
    assert.ok(e instanceof ClientError && e.code === 'FLT_ERR_CLIENT_CONNECT');
    assert.equal(e.message, `GET ${cp.url}/api/v1/namespaces/default/pods: unable to verify the first certificate`);
    return true;
  });
  stranger.close();
  const refused = new ApiClient({ server: 'https://127.0.0.1:1', token: 'x' });
  await assert.rejects(refused.get('pods', 'x', 'default'), { code: 'FLT_ERR_CLIENT_CONNECT', message: 'GET https://127.0.0.1:1/api/v1/namespaces/default/pods/x: connect ECONNREFUSED 127.0.0.1:1' });
  refused.close();
  assert.throws(() => new ApiClient({ server: 'http://127.0.0.1:6443' }), { code: 'FLT_ERR_CLIENT_CONNECT', message: 'server "http://127.0.0.1:6443" must be an https:// URL' });
  assert.throws(() => new ApiClient({ server: 'nowhere' }), { code: 'FLT_ERR_CLIENT_CONNECT', message: 'server "nowhere" is not a URL (want https://HOST:PORT)' });
});

/** runChild runs a module script that has `client` (an ApiClient on cp) in scope; resolves with its output and how long it lived after printing "ready". */
function runChild(body: string): Promise<{ out: string; code: number | null; afterReadyMs: number }> {
  const script = `import { ApiClient } from ${JSON.stringify(new URL('../../api/client.js', import.meta.url).href)};
const client = new ApiClient({ server: process.env.URL, token: process.env.TOKEN, ca: process.env.CA });
${body}`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, URL: cp.url, TOKEN: cp.token, CA: cp.caPem } });
    let out = '';
    let readyAt = 0;
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.on('data', (c: Buffer) => {
      out += c;
      if (!readyAt && out.includes('ready')) readyAt = Date.now();
    });
    p.stderr.on('data', (c: Buffer) => (out += c));
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, code, afterReadyMs: readyAt ? Date.now() - readyAt : -1 });
    });
  });
}

test('an idle client does not hold its process; an open watch does until stop(); close() ends it at once', async () => {
  const idle = await runChild(`await client.list('pods', { namespace: 'default' }); console.log('ready');`);
  assert.equal(idle.code, 0, idle.out);
  assert.ok(idle.afterReadyMs < 1000, `an idle client kept its process ${idle.afterReadyMs} ms`);

  const watching = await runChild(`const w = client.watch('pods', { namespace: 'default' }, () => {});
await new Promise((r) => setTimeout(r, 300)); console.log('ready');
setTimeout(() => w.stop(), 1500).unref(); await w.done; console.log('stopped');`);
  assert.equal(watching.code, 0, watching.out);
  assert.match(watching.out, /stopped/);
  assert.ok(watching.afterReadyMs >= 1400 && watching.afterReadyMs < 3000, `a watching process lived ${watching.afterReadyMs} ms after ready`);

  const closing = await runChild(`const w = client.watch('pods', { namespace: 'default' }, () => {});
w.done.then(() => console.log('done: resolved'), (e) => console.log('done:', e.code, e.message));
await new Promise((r) => setTimeout(r, 300)); console.log('ready'); client.close();`);
  assert.equal(closing.code, 0, closing.out);
  assert.match(closing.out, /done: FLT_ERR_CLIENT_CONNECT GET https:.*: the client was closed/);
  assert.ok(closing.afterReadyMs < 1000, `close() left the process ${closing.afterReadyMs} ms`);
});
