/**
 * A started API server compiles every kind's schema on its own, before any write needs it, so the
 * first pod create of a fresh server does not wait for ajv.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEMAS } from '../../api/schemas.js';
import { validatorCompiled } from '../../api/validation.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';

let cp: ControlPlane | undefined;
after(async () => {
  await cp?.stop();
});

test('the server compiles every schema after it starts, without a request asking', async () => {
  assert.equal(validatorCompiled('Pod'), false, 'nothing compiled at import');
  cp = await startControlPlane();
  const kinds = Object.keys(SCHEMAS);
  const deadline = Date.now() + 20_000;
  while (!kinds.every(validatorCompiled) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(kinds.filter((k) => !validatorCompiled(k)), []);
});
