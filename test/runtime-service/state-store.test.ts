import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECORD_LOG, StateStore } from '../../runtime/state/store.js';
import { RECORD_VERSION, type ContainerRecord, type SandboxRecord } from '../../runtime/state/records.js';

function sandbox(id: string): SandboxRecord {
  return {
    version: RECORD_VERSION, id, createdAt: 1, config: { metadata: { name: id } }, runtimeHandler: '', state: 'SANDBOX_READY',
    hostname: id, dir: `/x/${id}`, namespaces: null, cgroupPath: `/flotilla/${id}`, network: null,
  };
}

function container(id: string, sandboxId: string, createdAt: number): ContainerRecord {
  return {
    version: RECORD_VERSION, id, sandboxId, createdAt, startedAt: 0, config: { metadata: { name: id } }, image: 'busybox', imageRef: 'sha256:x',
    imageId: 'sha256:x', bundle: `/x/${id}`, rootfs: `/x/${id}/rootfs`, logPath: `/x/${id}.log`, cgroupPath: `/flotilla/${sandboxId}/${id}`, exit: null,
  };
}

function tempRoot(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'flotilla-state-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

test('StateStore: records survive a new instance; a torn last line leaves the change before it; bad lines are skipped with a reason', (t) => {
  const root = tempRoot(t);
  const a = new StateStore(root);
  a.saveSandbox(sandbox('s1'));
  a.saveSandbox({ ...sandbox('s1'), state: 'SANDBOX_NOTREADY' });
  a.saveSandbox(sandbox('s2'));
  a.saveSandbox(sandbox('gone'));
  a.deleteSandbox('gone');
  a.saveSandbox({ ...sandbox('s2'), hostname: 'cut-short' });
  a.close();
  const log = join(root, RECORD_LOG);
  // A crash in the middle of s2's last save: half its line made it to the file.
  truncateSync(log, statSync(log).size - 40);
  const b = new StateStore(root);
  b.load();
  assert.deepEqual(b.listSandboxes().map((s) => [s.id, s.state, s.hostname]), [['s1', 'SANDBOX_NOTREADY', 's1'], ['s2', 'SANDBOX_READY', 's2']]);
  assert.ok(b.skipped.some((s) => /last line is incomplete/.test(s)), b.skipped.join('\n'));
  // The torn line was dropped when the log was rewritten: saves after it read back.
  b.saveSandbox(sandbox('s3'));
  b.close();
  appendFileSync(log, '00000000 {"k":"s/s4","v":{}}\n'); // a bad checksum
  const c = new StateStore(root);
  c.load();
  assert.deepEqual(c.listSandboxes().map((s) => s.id), ['s1', 's2', 's3']);
  assert.ok(c.skipped.some((s) => /bad checksum/.test(s)), c.skipped.join('\n'));
  c.deleteSandbox('s1');
  c.close();
  const d = new StateStore(root);
  d.load();
  assert.deepEqual(d.listSandboxes().map((s) => s.id), ['s2', 's3']);
  assert.deepEqual(d.skipped, []);
});

test('StateStore: records an older runtime wrote as one file per object move into the log', (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'sandboxes', 's1'), { recursive: true });
  writeFileSync(join(root, 'sandboxes', 's1', 'sandbox.json'), JSON.stringify(sandbox('s1')));
  // s2 crashed between unlinking sandbox.json and renaming sandbox.json.new into place:
  mkdirSync(join(root, 'sandboxes', 's2'), { recursive: true });
  writeFileSync(join(root, 'sandboxes', 's2', 'sandbox.json.new'), JSON.stringify(sandbox('s2')));
  writeFileSync(join(root, 'sandboxes', 's2', 'hosts'), ''); // its files stay where its record says
  mkdirSync(join(root, 'sandboxes', 's4'), { recursive: true });
  writeFileSync(join(root, 'sandboxes', 's4', 'sandbox.json'), '{not json');
  mkdirSync(join(root, 'containers', 'c1', 'upper'), { recursive: true });
  const a = new StateStore(root);
  a.load();
  assert.deepEqual(a.listSandboxes().map((s) => s.id), ['s1', 's2']);
  assert.ok(a.skipped.some((s) => s.includes('s4') && /JSON/.test(s)), a.skipped.join('\n'));
  assert.ok(!existsSync(join(root, 'sandboxes', 's1')), 'an emptied old sandbox dir is removed');
  assert.ok(existsSync(join(root, 'sandboxes', 's2', 'hosts')) && !existsSync(join(root, 'sandboxes', 's2', 'sandbox.json.new')));
  assert.ok(existsSync(join(root, 'containers', 'c1', 'upper')), 'a container dir without a record is left alone');
  a.close();
  const b = new StateStore(root);
  b.load();
  assert.deepEqual(b.listSandboxes().map((s) => s.id), ['s1', 's2']);
});

test('StateStore: the log is rewritten once it has grown to several times what is live', (t) => {
  const root = tempRoot(t);
  const a = new StateStore(root);
  const big = { ...sandbox('s1'), config: { metadata: { name: 's1' }, annotations: { pad: 'x'.repeat(2000) } } };
  for (let i = 0; i < 2000; i++) a.saveSandbox({ ...big, createdAt: i });
  const size = statSync(join(root, RECORD_LOG)).size;
  assert.ok(size < (1 << 20) + 4096, `log is ${size} bytes`);
  a.close();
  const b = new StateStore(root);
  b.load();
  assert.equal(b.getSandbox('s1')!.createdAt, 1999);
});

test('StateStore: a runtime killed (SIGKILL) in the middle of saving leaves the last acknowledged save or a later one', async (t) => {
  const root = tempRoot(t);
  const storeModule = fileURLToPath(new URL('../../runtime/state/store.js', import.meta.url));
  // The writer acknowledges with writeSync: on a full pipe, process.stdout would queue the write for
  // an event loop this loop never yields to, and the test would wait forever for the next number.
  const script = `
    const { StateStore } = await import(${JSON.stringify(storeModule)});
    const { writeSync } = await import('node:fs');
    const s = new StateStore(${JSON.stringify(root)});
    s.load();
    const base = ${JSON.stringify(sandbox('s1'))};
    for (let i = 1; ; i++) {
      s.saveSandbox({ ...base, createdAt: i, config: { metadata: { name: 's1' }, annotations: { pad: 'y'.repeat(i % 5000) } } });
      s.saveSandbox({ ...base, id: 'other' + (i % 7), createdAt: i });
      if (i % 7 === 0) s.deleteSandbox('other' + (i % 7));
      writeSync(1, i + '\\n');
    }`;
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (b: Buffer) => {
        const last = b.toString().trim().split('\n').pop();
        acked = Number(last);
        if (acked > 500 * (round + 1)) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    const s = new StateStore(root);
    s.load();
    const rec = s.getSandbox('s1');
    assert.ok(rec && rec.createdAt >= acked, `round ${round}: read ${rec?.createdAt}, the writer had acknowledged ${acked}`);
    assert.equal((rec!.config.annotations?.pad ?? '').length, rec!.createdAt % 5000);
    s.close();
  }
  assert.ok(readFileSync(join(root, RECORD_LOG), 'utf8').endsWith('\n'));
});

test('StateStore: a sandbox\'s containers are listed oldest first, through saves, deletes and a reload', (t) => {
  const root = tempRoot(t);
  const a = new StateStore(root);
  a.saveContainer(container('c2', 'sa', 2));
  a.saveContainer(container('c1', 'sa', 1));
  a.saveContainer(container('c3', 'sb', 3));
  a.saveContainer({ ...container('c2', 'sa', 2), startedAt: 5 });
  assert.deepEqual(a.listContainers('sa').map((c) => [c.id, c.startedAt]), [['c1', 0], ['c2', 5]]);
  assert.deepEqual(a.listContainers().map((c) => c.id), ['c1', 'c2', 'c3']);
  a.deleteContainer('c1');
  assert.deepEqual(a.listContainers('sa').map((c) => c.id), ['c2']);
  a.deleteContainer('c3');
  assert.deepEqual(a.listContainers('sb'), []);
  a.close();
  const b = new StateStore(root);
  b.load();
  assert.deepEqual([b.listContainers('sa').map((c) => c.id), b.listContainers('sb')], [['c2'], []]);
});
