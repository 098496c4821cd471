import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { OciRuntime } from '../../runtime/oci/lifecycle.js';
import { generateSpec } from '../../runtime/oci/spec.js';
import { DEFAULT_MASKED_PATHS } from '../../runtime/oci/defaults.js';
import { requireCommand, requireRoot } from '../helpers/root.js';
import { forceDeleteReference, makeBundle, ourRun, runcRun, uniqueId, type RunResult, type TestBundle } from './oci-fixtures.js';

/*
 * Conformance: the same bundle runs under `runc run` and under OciRuntime (the native shim),
 * and the process must see the same world: hostname, PID 1, mounts, capabilities,
 * no_new_privs, its cgroup memory limit, uid/gid/groups, env, cwd, rlimit, read-only root
 * and the exit code.
 */
const PROBE = [
  'echo "hostname=$(hostname)"',
  'echo "pid=$$"',
  'read statpid _ < /proc/self/stat; echo "statpid=$statpid"',
  'grep -E "^(CapEff|CapPrm|CapBnd|CapInh|CapAmb|NoNewPrivs|Groups):" /proc/1/status | tr -d "\\t" | sed "s/:/=/"',
  'echo "memlimit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"',
  'echo "id=$(id -u):$(id -g)"',
  'echo "cwd=$(pwd)"',
  'echo "nofile=$(ulimit -n)"',
  'if touch /flotilla-rw-probe 2>/dev/null; then echo rootfs=rw; else echo rootfs=ro; fi',
  'env | sort | sed "s/^/env:/"',
  'sed "s/^/mnt:/" /proc/self/mountinfo',
  `mknod /dev/flt-null c 1 3 && echo x > /dev/flt-null && echo nulldev=ok || echo nulldev=denied`,
  // /dev/vcs (7:0) opens without any capability, so only the device cgroup can refuse it.
  'if mknod /dev/flt-vcs c 7 0; then if (exec 3</dev/flt-vcs) 2>/dev/null; then echo vcsdev=open; else echo vcsdev=denied; fi; else echo vcsdev=nomknod; fi',
  'exit 3',
].join('; ');

const MASKED = new Set(DEFAULT_MASKED_PATHS);
const FLAG_OPTS = new Set(['ro', 'rw', 'nosuid', 'nodev', 'noexec']);

/**
 * normaliseMounts keeps, per mount, its mount point, filesystem type and the options that
 * change what a process may do (ro/rw, nosuid, nodev, noexec), sorted. Left out, because
 * they differ between correct runtimes without changing what the container can do:
 * the order of lines (runtimes apply masked and read-only paths in different orders),
 * mount ids, atime options and the source of a masked file's /dev/null bind (runc binds the
 * container's /dev/null, a tmpfs node; others may bind the host's, devtmpfs).
 */
function normaliseMounts(lines: string[]): string[] {
  return lines
    .map((l) => {
      const [pre, post] = l.split(' - ');
      const f = pre!.split(' ');
      const mountPoint = f[4]!;
      const opts = f[5]!.split(',').filter((o) => FLAG_OPTS.has(o)).sort().join(',');
      const fstype = post!.split(' ')[0]!;
      return MASKED.has(mountPoint) && fstype !== 'tmpfs' ? `${mountPoint} masked-file ${opts}` : `${mountPoint} ${fstype} ${opts}`;
    })
    .sort();
}

interface View {
  fields: Map<string, string>;
  env: string[];
  mounts: string[];
  status: number | null;
}

function view(r: RunResult): View {
  const fields = new Map<string, string>();
  const env: string[] = [];
  const mounts: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('env:')) env.push(line.slice(4));
    else if (line.startsWith('mnt:')) mounts.push(line.slice(4));
    else {
      const eq = line.indexOf('=');
      if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return { fields, env, mounts: normaliseMounts(mounts), status: r.status };
}

/** assertSameView compares every observation and reports all differences at once. */
function assertSameView(ours: View, runc: View, label: string): void {
  const diffs: string[] = [];
  assert.ok(runc.mounts.length >= 10, `${label}: runc's mount table was read (${runc.mounts.length} mounts)`);
  if (ours.status !== runc.status) diffs.push(`exit code: ours ${ours.status}, runc ${runc.status}`);
  for (const key of ['hostname', 'pid', 'statpid', 'CapEff', 'CapPrm', 'CapBnd', 'CapInh', 'CapAmb', 'NoNewPrivs', 'Groups', 'memlimit', 'id', 'cwd', 'nofile', 'rootfs', 'nulldev', 'vcsdev']) {
    assert.ok(runc.fields.has(key), `${label}: runc's output has ${key}`);
    if (ours.fields.get(key) !== runc.fields.get(key)) diffs.push(`${key}: ours ${JSON.stringify(ours.fields.get(key))}, runc ${JSON.stringify(runc.fields.get(key))}`);
  }
  const setDiff = (what: string, a: string[], b: string[]): void => {
    const onlyOurs = a.filter((x) => !b.includes(x));
    const onlyRunc = b.filter((x) => !a.includes(x));
    if (onlyOurs.length || onlyRunc.length) diffs.push(`${what}: only ours ${JSON.stringify(onlyOurs)}, only runc ${JSON.stringify(onlyRunc)}`);
  };
  setDiff('environment', ours.env, runc.env);
  setDiff('mounts (normalised)', ours.mounts, runc.mounts);
  assert.deepEqual(diffs, [], `${label}: what the process sees differs from runc`);
  assert.deepEqual(ours.mounts, runc.mounts);
}

/** compare runs one bundle under runc, then under ours, each in a cgroup of its own id. */
async function compare(t: TestContext, tag: string, prepare: (b: TestBundle) => void): Promise<{ ours: View; runc: View }> {
  const runcId = uniqueId(`${tag}-runc`);
  const ourId = uniqueId(`${tag}-ours`);
  const root = mkdtempSync('/tmp/flotilla-oci-root-');
  const rt = new OciRuntime({ root });
  const b = makeBundle(tag);
  t.after(async () => {
    forceDeleteReference(runcId);
    await rt.delete(ourId, { force: true }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    b.cleanup();
  });
  prepare(b);
  b.config.linux!.cgroupsPath = `/${runcId}`;
  b.write();
  const runc = view(runcRun(b.dir, runcId));
  b.config.linux!.cgroupsPath = `/${ourId}`;
  b.write();
  const ours = view(await ourRun(rt, b.dir, ourId));
  return { ours, runc };
}

test('conformance: a `runc spec` bundle (args changed) looks the same under runc and under ours', async (t) => {
  if (!requireRoot(t) || !(await requireCommand(t, 'runc'))) return;
  const { ours, runc } = await compare(t, 'conf-runcspec', (b) => {
    const cfg = b.config;
    cfg.process.args = ['sh', '-c', PROBE];
    cfg.process.env = [...(cfg.process.env ?? []), 'FLOTILLA_TEST=two words'];
    cfg.process.cwd = '/tmp';
    cfg.hostname = 'flotilla-conf';
    cfg.linux!.resources = { ...cfg.linux!.resources, memory: { limit: 48 * 1024 * 1024 } };
  });
  assert.equal(runc.status, 3);
  assert.equal(runc.fields.get('pid'), '1');
  assert.equal(runc.fields.get('memlimit'), String(48 * 1024 * 1024));
  assert.equal(runc.fields.get('rootfs'), 'ro');
  assertSameView(ours, runc, 'runc spec bundle');
});

test('conformance: a generated hardened bundle with a non-root user looks the same under runc and under ours', async (t) => {
  if (!requireRoot(t) || !(await requireCommand(t, 'runc'))) return;
  const { ours, runc } = await compare(t, 'conf-generated', (b) => {
    b.config = generateSpec({
      args: ['/bin/sh', '-c', PROBE],
      env: ['FLOTILLA_TEST=1'],
      cwd: '/work',
      hostname: 'flotilla-gen',
      rootfs: 'rootfs',
      readonlyRootfs: false,
      user: { uid: 1000, gid: 1000, additionalGids: [27, 100] },
      resources: { memoryBytes: 40 * 1024 * 1024, pidsLimit: 64, cpuShares: 512 },
      cgroupsPath: '/flotilla-placeholder',
    });
  });
  assert.equal(runc.fields.get('id'), '1000:1000');
  assert.equal(runc.fields.get('vcsdev'), 'nomknod', 'a non-root user has no CAP_MKNOD');
  assert.equal(runc.fields.get('Groups')?.trim(), '27 100');
  assertSameView(ours, runc, 'generated bundle');
});

test('conformance: HOME comes from the container\'s /etc/passwd when config.json sets none, as under runc', async (t) => {
  if (!requireRoot(t) || !(await requireCommand(t, 'runc'))) return;
  const { ours, runc } = await compare(t, 'conf-home', (b) => {
    b.config.process.args = ['sh', '-c', 'env | sort | sed "s/^/env:/"'];
  });
  assert.deepEqual(runc.env.filter((e) => e.startsWith('HOME=')), ['HOME=/root']);
  assert.deepEqual(ours.env.filter((e) => e.startsWith('HOME=')), ['HOME=/root']);
});
