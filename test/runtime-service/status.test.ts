import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitReason, sandboxMatches, containerMatches, containerStateOf, uniqueIdPrefix } from '../../runtime/sandbox/status.js';
import { grpcStatusOf, RUNTIME_ERRORS, RuntimeServiceError } from '../../runtime/service/errors.js';
import * as grpc from '@grpc/grpc-js';

test('exitReason: Completed for 0, Error for non-zero or signal (128+n), OOMKilled wins', () => {
  assert.deepEqual(exitReason({ exitCode: 0, signal: null, oomKilled: false }), { reason: 'Completed', exitCode: 0, message: '' });
  assert.equal(exitReason({ exitCode: 3, signal: null, oomKilled: false }).reason, 'Error');
  assert.equal(exitReason({ exitCode: 3, signal: null, oomKilled: false }).exitCode, 3);
  assert.equal(exitReason({ exitCode: null, signal: 9, oomKilled: false }).exitCode, 137);
  assert.equal(exitReason({ exitCode: null, signal: 9, oomKilled: true }).reason, 'OOMKilled');
});

test('filters match by id prefix, state and every label of the selector', () => {
  const s = { id: 'abcdef', state: 'SANDBOX_READY' as const, labels: { app: 'web', tier: 'fe' } };
  assert.ok(sandboxMatches(s, null));
  assert.ok(sandboxMatches(s, { id: 'abc', labelSelector: { app: 'web' } }));
  assert.ok(!sandboxMatches(s, { state: { state: 'SANDBOX_NOTREADY' } }));
  assert.ok(!sandboxMatches(s, { labelSelector: { app: 'web', tier: 'be' } }));
  const c = { id: '123', sandboxId: 'abcdef', state: 'CONTAINER_RUNNING' as const, labels: {} };
  assert.ok(containerMatches(c, { podSandboxId: 'abcdef', state: { state: 'CONTAINER_RUNNING' } }));
  assert.ok(!containerMatches(c, { podSandboxId: 'zzz' }));
  assert.equal(containerStateOf('running', false), 'CONTAINER_RUNNING');
  assert.equal(containerStateOf('running', true), 'CONTAINER_EXITED');
  assert.equal(containerStateOf(undefined, false), 'CONTAINER_UNKNOWN');
  assert.deepEqual(uniqueIdPrefix(['aa1', 'aa2', 'b'], 'aa'), { error: 'ambiguous' });
  assert.deepEqual(uniqueIdPrefix(['aa1', 'aa2', 'b'], 'b'), { id: 'b' });
  assert.deepEqual(uniqueIdPrefix(['aa1'], 'c'), { error: 'none' });
});

test('every runtime error code maps to a distinct gRPC status and unknown errors are INTERNAL', () => {
  const statuses = Object.values(RUNTIME_ERRORS).map((e) => e.status);
  assert.equal(new Set(statuses).size, statuses.length);
  assert.equal(grpcStatusOf(new RuntimeServiceError('FLT_ERR_RUNTIME_EXISTS', 'x')), grpc.status.ALREADY_EXISTS);
  assert.equal(grpcStatusOf(new Error('boom')), grpc.status.INTERNAL);
  assert.equal(grpcStatusOf({ code: 'FLT_ERR_IMAGE_NOT_FOUND' }), grpc.status.NOT_FOUND);
});
