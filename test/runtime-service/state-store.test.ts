import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../runtime/state/store.js';
import { RECORD_VERSION, type SandboxRecord } from '../../runtime/state/records.js';

function sandbox(id: string): SandboxRecord {
  return {
    version: RECORD_VERSION, id, createdAt: 1, config: { metadata: { name: id } }, runtimeHandler: '', state: 'SANDBOX_READY',
    hostname: id, dir: `/x/${id}`, namespaces: null, cgroupPath: `/flotilla/${id}`, network: null,
  };
}

test('StateStore: records survive a new instance, a crash mid-save, and bad files are skipped with a reason', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'flotilla-state-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const a = new StateStore(root);
  a.saveSandbox(sandbox('s1'));
  a.saveSandbox({ ...sandbox('s1'), state: 'SANDBOX_NOTREADY' });
  a.saveSandbox(sandbox('s2'));
  // s2 crashed between unlinking sandbox.json and renaming sandbox.json.new into place:
  const p2 = join(a.sandboxDir('s2'), 'sandbox.json');
  renameSync(p2, `${p2}.new`);
  writeFileSync(join(root, 'sandboxes', 'stray-file'), ''); // not a sandbox directory
  a.saveSandbox(sandbox('s4'));
  writeFileSync(join(a.sandboxDir('s4'), 'sandbox.json'), '{not json');

  const b = new StateStore(root);
  b.load();
  assert.deepEqual(b.listSandboxes().map((s) => [s.id, s.state]), [['s1', 'SANDBOX_NOTREADY'], ['s2', 'SANDBOX_READY']]);
  assert.ok(b.skipped.some((s) => s.includes('s4') && /JSON/.test(s)), b.skipped.join('\n'));
  b.deleteSandbox('s1');
  assert.ok(!existsSync(b.sandboxDir('s1')));
});
