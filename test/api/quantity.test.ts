import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, parseMilli, parseBytes, quantityMilli, compareQuantities, formatMilli, formatBytes, isNegative } from '../../api/quantity.js';
import { QuantityError } from '../../api/errors.js';

test('quantities parse to exact milli-units and bytes as Kubernetes does', () => {
  const cases: [string | number, number, number][] = [
    // input, milli, value (rounded up)
    ['100m', 100, 1],
    ['0.5', 500, 1],
    ['.5', 500, 1],
    ['5.', 5000, 5],
    ['1', 1000, 1],
    ['2', 2000, 2],
    ['0.1', 100, 1],
    ['1500m', 1500, 2],
    ['128Mi', 134217728000, 134217728],
    ['1.5Gi', 1610612736000, 1610612736],
    ['1Ki', 1024000, 1024],
    ['1G', 1e12, 1e9],
    ['1k', 1e6, 1000],
    ['1M', 1e9, 1e6],
    ['1e3', 1e6, 1000],
    ['1E3', 1e6, 1000],
    ['2e-3', 2, 1],
    ['1P', 1e18, 1e15],
    ['1n', 1, 1],
    ['1u', 1, 1],
    ['+3', 3000, 3],
    ['0', 0, 0],
    [0.25, 250, 1],
    [4, 4000, 4],
  ];
  for (const [input, milli, value] of cases) {
    if (milli <= Number.MAX_SAFE_INTEGER) assert.equal(parseMilli(input), milli, `milli of ${input}`);
    assert.equal(parseBytes(input), value, `value of ${input}`);
  }
});

test('bad quantities throw QuantityError naming the input', () => {
  for (const bad of ['', 'abc', '12x', '1.2.3', '1Kb', 'Mi', '1 Mi', '--1', '1e', '1ee3', 'm', '.', '0x10', '1e99']) {
    assert.throws(() => parseQuantity(bad), (e: unknown) => {
      assert.ok(e instanceof QuantityError, `${bad} gives a QuantityError`);
      assert.equal(e.code, 'FLT_ERR_QUANTITY_INVALID');
      assert.match(e.message, /quantity ".*" is invalid/);
      return true;
    }, `"${bad}" must not parse`);
  }
});

test('negative quantities parse and are flagged; comparison and formatting are exact', () => {
  assert.ok(isNegative(parseQuantity('-1')));
  assert.ok(!isNegative(parseQuantity('1')));
  assert.equal(quantityMilli(parseQuantity('-100m')), -100);
  assert.equal(compareQuantities(parseQuantity('1Gi'), parseQuantity('1G')), 1);
  assert.equal(compareQuantities(parseQuantity('1000m'), parseQuantity('1')), 0);
  assert.equal(compareQuantities(parseQuantity('0.1'), parseQuantity('101m')), -1);
  assert.equal(formatMilli(250), '250m');
  assert.equal(formatMilli(2000), '2');
  assert.equal(formatBytes(134217728), '128Mi');
  assert.equal(formatBytes(1536 * 1024), '1536Ki');
  assert.equal(formatBytes(100), '100');
});
