import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ago, table, humanSize, parseCriLogLine } from '../../cli/commands/crictl.js';

test('crictl formatting: relative ages, aligned tables, sizes and CRI log lines', () => {
  const now = 1_700_000_000_000;
  assert.equal(ago(now * 1e6, now), 'Less than a second ago');
  assert.equal(ago((now - 1000) * 1e6, now), '1 second ago');
  assert.equal(ago((now - 125_000) * 1e6, now), '2 minutes ago');
  assert.equal(ago((now - 7_200_000) * 1e6, now), '2 hours ago');
  assert.equal(table(['A', 'BB'], [['xxx', 'y'], ['z', 'w']]), 'A     BB\nxxx   y\nz     w\n');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1_234_567), '1.23MB');
  assert.deepEqual(parseCriLogLine('2026-01-01T00:00:00.000000000Z stdout F hello world'), { stream: 'stdout', full: true, text: 'hello world' });
  assert.deepEqual(parseCriLogLine('2026-01-01T00:00:00.000000000Z stderr P part'), { stream: 'stderr', full: false, text: 'part' });
  assert.deepEqual(parseCriLogLine('2026-01-01T00:00:00.000000000Z stdout F '), { stream: 'stdout', full: true, text: '' });
  assert.equal(parseCriLogLine('garbage'), undefined);
});
