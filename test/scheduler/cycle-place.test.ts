import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, placeOf, placeSlots } from '../../scheduler/framework/types.js';
import type { NodeColumns } from '../../scheduler/node-columns.js';

test('placeOf trusts a stamp only when the list agrees (a stamp left from an older cycle with the same id is ignored)', () => {
  const cols = { stamp: new Int32Array(4).fill(-1), pos: new Int32Array(4) } as unknown as NodeColumns;
  const state = new CycleState();
  placeSlots(state, cols, Int32Array.from([2, 0]), 2);
  assert.deepEqual([0, 1, 2, 3].map((s) => placeOf(state, cols, s)), [1, -1, 0, -1]);
  // As after the id wrapped: slot 3 carries this cycle's id from long ago, with a place in the list.
  cols.stamp[3] = state.id;
  cols.pos[3] = 0;
  assert.equal(placeOf(state, cols, 3), -1);
  assert.equal(placeOf(state, cols, -1), -1, 'a node without a slot');
});
