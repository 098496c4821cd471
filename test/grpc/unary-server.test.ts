/**
 * GrpcUnaryServer seen from raw HTTP/2: it enforces a client's grpc-timeout itself, answers
 * non-gRPC requests with 415, and on close() finishes the calls under way while refusing new ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameMessage } from '../../grpc/framing.js';
import { GrpcCode } from '../../grpc/status.js';
import { GrpcUnaryServer, type UnaryMethod } from '../../grpc/unary-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const echo = (delayMs: number): UnaryMethod => ({
  decode: (b) => b,
  encode: (r) => r as Buffer,
  handle: async (req) => (await sleep(delayMs), req),
});

/** call sends one raw request and gathers the answer's headers, trailers and body. */
function call(session: ClientHttp2Session, headers: Record<string, string>, body: Buffer): Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = session.request({ ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers', ...headers });
    const out = { headers: {} as IncomingHttpHeaders, trailers: {} as IncomingHttpHeaders, body: Buffer.alloc(0) };
    s.on('response', (h) => (out.headers = h));
    s.on('trailers', (h) => (out.trailers = h));
    s.on('data', (c: Buffer) => (out.body = Buffer.concat([out.body, c])));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.end(body);
  });
}

async function serve(t: { after(fn: () => unknown): void }): Promise<{ server: GrpcUnaryServer; session: ClientHttp2Session; socket: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-grpc-'));
  const socket = join(dir, 's.sock');
  const server = new GrpcUnaryServer(new Map([['/t.S/Fast', echo(0)], ['/t.S/Slow', echo(400)]]), { maxReceiveBytes: 1024, closeGraceMs: 1000 });
  await server.listen(socket);
  const session = connect('http://localhost', { createConnection: () => netConnect(socket) });
  session.on('error', () => {});
  t.after(async () => {
    session.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server, session, socket };
}

test('the server ends a call past its grpc-timeout with DEADLINE_EXCEEDED, and answers in time otherwise', async (t) => {
  const { session } = await serve(t);
  const late = await call(session, { ':path': '/t.S/Slow', 'grpc-timeout': '100m' }, frameMessage(Buffer.from('x')));
  assert.equal(late.headers['grpc-status'], String(GrpcCode.DEADLINE_EXCEEDED), 'trailers-only answer');
  const ok = await call(session, { ':path': '/t.S/Fast', 'grpc-timeout': '1S' }, frameMessage(Buffer.from('hi')));
  assert.equal(ok.headers[':status'], 200);
  assert.equal(ok.headers['content-type'], 'application/grpc');
  assert.equal(ok.trailers['grpc-status'], '0');
  assert.deepEqual(ok.body, frameMessage(Buffer.from('hi')));
});

test('the server refuses non-gRPC requests, bad framing and oversized requests with a status', async (t) => {
  const { session } = await serve(t);
  const plain = await call(session, { ':path': '/t.S/Fast', 'content-type': 'text/plain' }, Buffer.from('x'));
  assert.equal(plain.headers[':status'], 415);
  const two = await call(session, { ':path': '/t.S/Fast' }, Buffer.concat([frameMessage(Buffer.from('a')), frameMessage(Buffer.from('b'))]));
  assert.equal(two.headers['grpc-status'], String(GrpcCode.INTERNAL));
  const big = await call(session, { ':path': '/t.S/Fast' }, frameMessage(Buffer.alloc(2048)));
  assert.equal(big.headers['grpc-status'], String(GrpcCode.RESOURCE_EXHAUSTED));
  const none = await call(session, { ':path': '/t.S/Nope' }, frameMessage(Buffer.from('a')));
  assert.equal(none.headers['grpc-status'], String(GrpcCode.UNIMPLEMENTED));
  assert.match(String(none.headers['grpc-message']), /t\.S\/Nope/);
});

test('close() lets the calls under way finish and refuses new connections', async (t) => {
  const { server, session, socket } = await serve(t);
  const pending = call(session, { ':path': '/t.S/Slow' }, frameMessage(Buffer.from('slow')));
  await sleep(50);
  const t0 = Date.now();
  const closed = server.close();
  const res = await pending;
  assert.equal(res.trailers['grpc-status'], '0', 'the call under way got its answer');
  assert.deepEqual(res.body, frameMessage(Buffer.from('slow')));
  await closed;
  assert.ok(Date.now() - t0 < 1000, 'close did not wait for the force timer');
  await assert.rejects(new Promise((resolve, reject) => netConnect(socket).once('connect', resolve).once('error', reject)), 'no new connections');
});
