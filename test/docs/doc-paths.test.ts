/**
 * The docs name source files for readers to open; this keeps every named path real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('every source path named in docs/ exists', () => {
  const missing: string[] = [];
  for (const f of readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(join(root, 'docs', f), 'utf8');
    for (const m of text.matchAll(/`((?:api|apiserver|scheduler|controllers|agent|runtime|native|cli|lab|examples)\/[A-Za-z0-9_./-]*)`/g)) {
      if (!existsSync(join(root, m[1]))) missing.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});
