import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SCORE_WEIGHTS, loadSchedulerConfig, parseSchedulerConfig } from '../../scheduler/config.js';

test('config: defaults without a file; YAML and JSON set weights and options', () => {
  assert.deepEqual(loadSchedulerConfig().scoreWeights, DEFAULT_SCORE_WEIGHTS);
  const y = parseSchedulerConfig('scoreWeights:\n  SelectorSpread: 0\n  NodeResourcesBalancedAllocation: 5\npercentageOfNodesToScore: 30\nbindConcurrency: 8\n', 'c.yaml');
  assert.equal(y.scoreWeights.SelectorSpread, 0);
  assert.equal(y.scoreWeights.NodeResourcesBalancedAllocation, 5);
  assert.equal(y.scoreWeights.TaintToleration, 3, 'unset weights keep their default');
  assert.equal(y.percentageOfNodesToScore, 30);
  assert.equal(y.bindConcurrency, 8);
  const j = parseSchedulerConfig('{"scoreWeights": {"NodeAffinity": 7}}', 'c.json');
  assert.equal(j.scoreWeights.NodeAffinity, 7);
  assert.deepEqual(parseSchedulerConfig('', 'empty.yaml').scoreWeights, DEFAULT_SCORE_WEIGHTS);
});

test('config: bad fields are named with file and line', () => {
  const cases: [string, RegExp][] = [
    ['scoreWeights:\n  NodeAfinity: 1\n', /^c\.yaml:2:\d+: scoreWeights\.NodeAfinity: unknown score plugin/],
    ['bindConcurrency: 0\n', /^c\.yaml:1:\d+: bindConcurrency: must be an integer 1\.\.1024/],
    ['percentageOfNodesToScore: 150\n', /^c\.yaml:1:\d+: percentageOfNodesToScore: must be an integer 0\.\.100/],
    ['scoreWeights:\n  TaintToleration: -1\n', /^c\.yaml:2:\d+: scoreWeights\.TaintToleration: weight must be/],
    ['weights: {}\n', /^c\.yaml:1:\d+: weights: unknown field/],
    ['scoreWeights: [1, 2]\n', /^c\.yaml:1:\d+: scoreWeights: must be a mapping/],
    ['a: [\n', /^c\.yaml:\d+:\d+: /],
    ['- 1\n', /^c\.yaml: expected a mapping/],
  ];
  for (const [text, want] of cases) {
    assert.throws(() => parseSchedulerConfig(text, 'c.yaml'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'FLT_ERR_SCHED_CONFIG');
      assert.match(e.message, want);
      return true;
    }, JSON.stringify(text));
  }
});

test('config: a missing file is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-sched-config-'));
  try {
    assert.throws(() => loadSchedulerConfig(join(dir, 'nope.yaml')), /cannot read scheduler config .*nope\.yaml/);
    writeFileSync(join(dir, 'ok.yaml'), 'bindConcurrency: 4\n');
    assert.equal(loadSchedulerConfig(join(dir, 'ok.yaml')).bindConcurrency, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
