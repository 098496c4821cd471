import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CAPABILITIES, nofileCeiling } from '../../runtime/oci/defaults.js';
import { generateSpec } from '../../runtime/oci/spec.js';
import { requireCommand, requireRoot } from '../helpers/root.js';
import { capMask, crunRun, emptyBundleDir, forceDeleteReference, runcRun, uniqueId, type RunResult } from './oci-fixtures.js';

/*
 * A config.json from generateSpec must run unchanged under the reference runtimes. The
 * container prints what it sees; each runtime's view must show the hardened defaults.
 */
const PROBE = [
  'echo "hostname=$(hostname)"',
  'echo "pid=$$"',
  'grep -E "^(CapEff|CapBnd|CapInh|CapAmb|NoNewPrivs):" /proc/self/status | tr -d "\\t"',
  'echo "memlimit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"',
  'echo "nofile=$(ulimit -n)"',
  'echo "id=$(id -u):$(id -g)"',
  'echo "cwd=$(pwd)"',
  'echo "path=$PATH"',
  'if touch /rootfs-is-writable 2>/dev/null; then echo rootfs=rw; else echo rootfs=ro; fi',
  'if [ -s /proc/kcore ] || ls /sys/firmware/* >/dev/null 2>&1; then echo masked=no; else echo masked=yes; fi',
  'if echo 1 > /proc/sys/kernel/sysrq 2>/dev/null; then echo procsys=rw; else echo procsys=ro; fi',
  'grep -q " /sys .* ro," /proc/self/mountinfo && echo sys=ro || echo sys=rw',
  `mknod /dev/flt-null c 1 3 && echo x > /dev/flt-null && echo nulldev=ok || echo nulldev=denied`,
  // /dev/vcs (7:0) opens without any capability, so only the device cgroup can refuse it.
  'if mknod /dev/flt-vcs c 7 0; then if (exec 3</dev/flt-vcs) 2>/dev/null; then echo vcsdev=open; else echo vcsdev=denied; fi; else echo vcsdev=nomknod; fi',
  'exit 7',
].join('; ');

function fields(r: RunResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Za-z]+)[=:](.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

for (const runtime of ['runc', 'crun'] as const) {
  test(`generateSpec output runs unchanged under ${runtime} with the hardened defaults`, async (t) => {
    if (!requireRoot(t) || !(await requireCommand(t, runtime))) return;
    const dir = emptyBundleDir(`spec-${runtime}`);
    const id = uniqueId(`spec-${runtime}`);
    const cgroupsPath = `/${id}`;
    t.after(() => {
      forceDeleteReference(id);
      rmSync(dir, { recursive: true, force: true });
    });
    const spec = generateSpec({
      args: ['/bin/sh', '-c', PROBE],
      rootfs: 'rootfs',
      readonlyRootfs: true,
      hostname: 'flotilla-spec',
      cwd: '/work',
      resources: { memoryBytes: 32 << 20, pidsLimit: 50 },
      cgroupsPath,
    });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    const r = runtime === 'runc' ? runcRun(dir, id) : crunRun(dir, id);
    assert.equal(r.status, 7, `${runtime} exit status; stderr: ${r.stderr}`);
    const f = fields(r);
    const caps = capMask(DEFAULT_CAPABILITIES);
    assert.equal(f.get('hostname'), 'flotilla-spec');
    assert.equal(f.get('pid'), '1');
    assert.equal(f.get('CapEff'), caps);
    assert.equal(f.get('CapBnd'), caps);
    assert.equal(f.get('CapInh'), '0000000000000000');
    assert.equal(f.get('CapAmb'), '0000000000000000');
    assert.equal(f.get('NoNewPrivs'), '1');
    assert.equal(f.get('memlimit'), String(32 << 20));
    assert.equal(f.get('nofile'), String(nofileCeiling()));
    assert.equal(f.get('id'), '0:0');
    assert.equal(f.get('cwd'), '/work');
    assert.equal(f.get('path'), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    assert.equal(f.get('rootfs'), 'ro');
    assert.equal(f.get('masked'), 'yes');
    assert.equal(f.get('procsys'), 'ro');
    assert.equal(f.get('sys'), 'ro');
    assert.equal(f.get('nulldev'), 'ok', 'the standard nodes stay usable');
    assert.equal(f.get('vcsdev'), 'denied', 'the device cgroup denies a node outside the allow-list');
    assert.ok(!existsSync(`/sys/fs/cgroup/memory${cgroupsPath}`), `${runtime} removed its cgroup`);
  });
}
