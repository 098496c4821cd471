/**
 * H2Session against small node:http2 servers that misbehave on purpose: a GOAWAY moves later
 * requests to a new connection while the streams in flight finish; a refused stream is sent again
 * whatever its method; a stream the server resets after taking it is not.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSecureServer, constants, type Http2SecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { H2Session, type H2Request } from '../../api/h2-session.js';
import { ensureTls, type TlsMaterial } from '../../apiserver/certs.js';

let dir: string;
let tls: TlsMaterial;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-h2-'));
  tls = ensureTls(dir, '127.0.0.1');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** serve starts a server whose streams go to `onStream`, counting the TLS connections it accepted. */
async function serve(onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, n: number) => void): Promise<{ server: Http2SecureServer; url: string; connections: () => number; close(): Promise<void> }> {
  const server = createSecureServer({ key: tls.key, cert: tls.cert });
  let connections = 0;
  let streams = 0;
  const sessions = new Set<ServerHttp2Session>();
  server.on('secureConnection', () => connections++);
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (s, h) => {
    s.on('error', () => undefined); // the streams the test resets report it here
    onStream(s, h, ++streams);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server, url, connections: () => connections,
    close: () => new Promise((r) => {
      for (const s of sessions) s.destroy();
      server.close(() => r());
    }),
  };
}

/** send makes one request and resolves with its status and body, or rejects with the failure. */
function send(h2: H2Session, req: Partial<H2Request> & { method: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let body = '';
    h2.request({ headers: { ':method': req.method, ':path': '/x' }, idempotent: req.method === 'GET', ...req }, {
      response: (s, stream) => {
        status = s;
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (body += c));
      },
      done: () => resolve({ status, body }),
      fail: reject,
    });
  });
}

function client(url: string): H2Session {
  return new H2Session(url, { secureContext: createSecureContext({ ca: tls.caPem }) });
}

test('after a GOAWAY the stream in flight finishes and the next request opens a new connection', async (t) => {
  let held: ServerHttp2Stream | undefined;
  const srv = await serve((stream, _h, n) => {
    if (n === 1) {
      held = stream;
      stream.session!.close(); // GOAWAY: no new streams here, this one may finish
      return;
    }
    stream.respond({ ':status': 200 });
    stream.end(`answer ${n}`);
  });
  const h2 = client(srv.url);
  t.after(async () => {
    h2.close();
    await srv.close();
  });
  const first = send(h2, { method: 'GET' });
  while (!held) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50)); // the client reads the GOAWAY
  const second = await send(h2, { method: 'POST', body: 'b' });
  assert.deepEqual(second, { status: 200, body: 'answer 2' });
  held.respond({ ':status': 200 });
  held.end('answer 1');
  assert.deepEqual(await first, { status: 200, body: 'answer 1' });
  assert.equal(srv.connections(), 2);
});

test('a stream the server refused is sent again, even a POST; one it reset after taking it is not', async (t) => {
  const srv = await serve((stream, h, n) => {
    if (h[':path'] === '/x' && n === 1) return stream.close(constants.NGHTTP2_REFUSED_STREAM);
    if (n === 3) return stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    stream.respond({ ':status': 201 });
    stream.end(`made by stream ${n}`);
  });
  const h2 = client(srv.url);
  t.after(async () => {
    h2.close();
    await srv.close();
  });
  assert.deepEqual(await send(h2, { method: 'POST', body: '{}' }), { status: 201, body: 'made by stream 2' });
  await assert.rejects(send(h2, { method: 'POST', body: '{}' }), /the server reset the stream \(HTTP\/2 error code 2\)|NGHTTP2_INTERNAL_ERROR/);
  assert.deepEqual(await send(h2, { method: 'POST', body: '{}' }), { status: 201, body: 'made by stream 4' }, 'the reset was not retried: stream 4 is the next request');
  assert.equal(srv.connections(), 1);
});
