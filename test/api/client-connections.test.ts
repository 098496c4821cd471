/**
 * The client's connection pool on a real HTTPS API server: a burst of requests shares a few
 * keep-alive connections and one TLS SecureContext, instead of a handshake and a parsed CA per request.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import tls from 'node:tls';
import { syncBuiltinESMExports } from 'node:module';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { ApiClient, MAX_SOCKETS } from '../../api/client.js';
import type { Event, Pod } from '../../api/types.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane();
});
after(async () => {
  await cp?.stop();
});

function pod(name: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
}

/** counting runs fn and counts the TLS secure contexts made and the sockets HTTP requests went over meanwhile. */
async function counting(fn: () => Promise<void>): Promise<{ contexts: number; sockets: number }> {
  const made = { contexts: 0, sockets: 0 };
  const original = tls.createSecureContext;
  tls.createSecureContext = (...args) => {
    made.contexts++;
    return original(...args);
  };
  syncBuiltinESMExports(); // so that `import * as tls` in the client sees the spy
  const sockets = new Set<Socket>();
  const onResponse = (msg: unknown): void => void sockets.add((msg as { request: ClientRequest }).request.socket as Socket);
  subscribe('http.client.response.finish', onResponse);
  try {
    await fn();
  } finally {
    tls.createSecureContext = original;
    syncBuiltinESMExports();
    unsubscribe('http.client.response.finish', onResponse);
  }
  made.sockets = sockets.size;
  return made;
}

test('50 concurrent creates use at most MAX_SOCKETS connections and one secure context', async () => {
  let client: ApiClient | undefined;
  const made = await counting(async () => {
    client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
    const names = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    const out = await Promise.all(names.map((n) => client!.create<Pod>('pods', pod(n), 'default')));
    assert.deepEqual(out.map((p) => p.metadata.name), names);
  });
  client?.close();
  assert.ok(made.sockets >= 1 && made.sockets <= MAX_SOCKETS, `${made.sockets} sockets for 50 creates (cap ${MAX_SOCKETS})`);
  assert.equal(made.contexts, 1, 'one SecureContext for the client, none per connection');
});

test('a watch and short requests share the client\'s secure context; an unknown CA still fails', async () => {
  const client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
  const made = await counting(async () => {
    const seen: string[] = [];
    const list = await client.list<Event>('events', { namespace: 'default' });
    const w = client.watch<Event>('events', { namespace: 'default', resourceVersion: list.metadata.resourceVersion }, (e) => seen.push(e.object.metadata.name!));
    await client.create<Event>('events', {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'ctx-1' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Test', message: 'm', type: 'Normal',
    } as Event, 'default');
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    w.stop();
    assert.deepEqual(seen, ['ctx-1']);
  });
  client.close();
  assert.equal(made.contexts, 0, 'the client made its context when it was built');
  const stranger = new ApiClient({ server: cp.url, token: cp.token, ca: undefined });
  await assert.rejects(stranger.list('pods', { namespace: 'default' }), /FLT_ERR_CLIENT_CONNECT|certificate/);
  stranger.close();
});
