/** The gRPC wire pieces: message framing across chunks, status messages' percent-encoding, grpc-timeout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeGrpcTimeout, parseGrpcTimeout } from '../../grpc/deadline.js';
import { frameMessage, MessageReader } from '../../grpc/framing.js';
import { status as grpcJsStatus } from '@grpc/grpc-js';
import { decodeGrpcMessage, encodeGrpcMessage, GrpcCode, readStatus, statusOfHttp } from '../../grpc/status.js';

test('MessageReader finds messages however the chunks split and join them', () => {
  const msgs = [Buffer.from('a'), Buffer.alloc(0), Buffer.from('hello world'), Buffer.alloc(70_000, 7)];
  const stream = Buffer.concat(msgs.map(frameMessage));
  for (const size of [1, 3, 5, 6, 4096, stream.length]) {
    const reader = new MessageReader();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) got.push(...reader.push(stream.subarray(i, i + size)));
    assert.deepEqual(got, msgs, `chunks of ${size}`);
    assert.equal(reader.partial, false);
  }
  const reader = new MessageReader();
  assert.deepEqual(reader.push(frameMessage(Buffer.from('xyz')).subarray(0, 6)), []);
  assert.equal(reader.partial, true, 'a message cut short is pending');
});

test('MessageReader refuses a message over its limit from the prefix alone, and compressed ones', () => {
  const prefix = Buffer.from([0, 0, 0x10, 0, 1]);
  assert.throws(() => new MessageReader(1 << 20).push(prefix), (err: { code: number }) => err.code === GrpcCode.RESOURCE_EXHAUSTED);
  assert.throws(() => new MessageReader().push(Buffer.from([1, 0, 0, 0, 1, 9])), (err: { code: number }) => err.code === GrpcCode.UNIMPLEMENTED);
});

test('grpc-message is percent-encoded printable ASCII and decodes back, leniently', () => {
  assert.equal(encodeGrpcMessage('plain text: ok'), 'plain text: ok');
  assert.equal(encodeGrpcMessage('100%\nü'), '100%25%0A%C3%BC');
  for (const s of ['', 'a%b', 'ü 日本 \t\r\n', '%%%']) assert.equal(decodeGrpcMessage(encodeGrpcMessage(s)), s);
  assert.equal(decodeGrpcMessage('bad %zz escape %4'), 'bad %zz escape %4');
  assert.deepEqual(readStatus({ 'grpc-status': '5', 'grpc-message': 'not%20found' }), { code: GrpcCode.NOT_FOUND, details: 'not found' });
  assert.equal(readStatus({ 'content-type': 'application/grpc' }), undefined);
  assert.equal(statusOfHttp(503), GrpcCode.UNAVAILABLE);
  assert.equal(statusOfHttp(404), GrpcCode.UNIMPLEMENTED);
});

test('GrpcCode has the numbers and names of grpc-js\'s status codes, which grpc-js peers send and read', () => {
  const ours = Object.entries(GrpcCode).filter(([, v]) => typeof v === 'number');
  const theirs = Object.entries(grpcJsStatus).filter(([, v]) => typeof v === 'number');
  assert.deepEqual(ours, theirs);
});

test('grpc-timeout keeps to 8 digits and reads every unit', () => {
  assert.equal(encodeGrpcTimeout(120_000), '120000m');
  assert.equal(encodeGrpcTimeout(0.2), '1m');
  assert.equal(encodeGrpcTimeout(1e9), '1000000S');
  assert.equal(parseGrpcTimeout('2S'), 2000);
  assert.equal(parseGrpcTimeout('3M'), 180_000);
  assert.equal(parseGrpcTimeout('1H'), 3_600_000);
  assert.equal(parseGrpcTimeout('500u'), 0.5);
  assert.equal(parseGrpcTimeout('1000000n'), 1);
  assert.equal(parseGrpcTimeout('123456789m'), undefined, 'more than 8 digits');
  assert.equal(parseGrpcTimeout('5x'), undefined);
  assert.equal(parseGrpcTimeout(undefined), undefined);
});
