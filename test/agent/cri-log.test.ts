import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CriLineAssembler, formatLogLine, parseCriLine, selectLines } from '../../agent/cri-log.js';

test('parseCriLine reads the four fields, and refuses what is not a record', () => {
  assert.deepEqual(parseCriLine('2026-01-01T00:00:00.123456789Z stdout F hello world'), { time: '2026-01-01T00:00:00.123456789Z', stream: 'stdout', partial: false, text: 'hello world' });
  assert.deepEqual(parseCriLine('2026-01-01T00:00:00Z stderr P part'), { time: '2026-01-01T00:00:00Z', stream: 'stderr', partial: true, text: 'part' });
  assert.deepEqual(parseCriLine('2026-01-01T00:00:00Z stdout F'), { time: '2026-01-01T00:00:00Z', stream: 'stdout', partial: false, text: '' });
  assert.equal(parseCriLine('garbage'), undefined);
  assert.equal(parseCriLine('t stdin F x'), undefined);
});

test('CriLineAssembler joins partial records and waits for whole lines across chunks', () => {
  const a = new CriLineAssembler();
  assert.deepEqual(a.push('T1 stdout P hel'), []);
  assert.deepEqual(a.push('lo\nT2 stdout P  wor'), []);
  assert.deepEqual(a.push('ld\nT3 stdout F !\nT4 stderr F next\n'), [{ time: 'T1', text: 'hello world!' }, { time: 'T4', text: 'next' }]);
});

test('selectLines and formatLogLine: tail, since, timestamps', () => {
  const lines = [1, 2, 3, 4].map((i) => ({ time: `2026-01-01T00:00:0${i}Z`, text: `line ${i}` }));
  assert.deepEqual(selectLines(lines, { tailLines: 2 }).map((l) => l.text), ['line 3', 'line 4']);
  assert.deepEqual(selectLines(lines, { tailLines: 0 }), []);
  assert.deepEqual(selectLines(lines, { sinceMs: Date.parse('2026-01-01T00:00:03Z') }).map((l) => l.text), ['line 3', 'line 4']);
  assert.equal(formatLogLine(lines[0]!, false), 'line 1\n');
  assert.equal(formatLogLine(lines[0]!, true), '2026-01-01T00:00:01Z line 1\n');
});
