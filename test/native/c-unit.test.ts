/** The C unit tests of native/ (JSON parser, config.json parsing), run through `make -C native test`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

test('make -C native test passes', () => {
  const nativeDir = fileURLToPath(new URL('../../../native/', import.meta.url));
  const r = spawnSync('make', ['-s', '-C', nativeDir, 'test'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `make -C native test failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /test_json: \d+ checks, 0 failed/);
  assert.match(r.stdout, /test_spec: \d+ checks, 0 failed/);
});
