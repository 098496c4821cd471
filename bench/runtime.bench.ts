/**
 * bench:runtime — 100 sequential create+start+wait+delete of /bin/true (new PID, mount, UTS,
 * IPC and network namespaces, a 64 MiB memory cgroup) through OciRuntime in this process,
 * the path the agent takes; the same bundle under `crun run` and `runc run` in the same run;
 * and the RSS of one shim beside a running container. Ends with one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectCgroupLayout } from '../runtime/cgroups/detect.js';
import { removeSubtree } from '../runtime/cgroups/fs-ops.js';
import { OciRuntime } from '../runtime/oci/lifecycle.js';
import { generateSpec } from '../runtime/oci/spec.js';
import { makeRootfs } from '../test/runtime/oci-fixtures.js';

const N = Number(process.env.FLOTILLA_BENCH_N ?? 100);
const WARMUP = 5;
/** ROUND is how many containers each runtime runs before the next one takes its turn. */
const ROUND = 25;
const CGROUP_PARENT = '/flotilla-bench';
const SELF = fileURLToPath(import.meta.url);

/** referenceLoop runs `<runtime> run` n times from this process (after a warm-up) and returns the seconds taken. */
function referenceLoop(runtime: string, bundle: string, tag: string, n: number, round: number): number {
  const once = (i: number): void => {
    const r = spawnSync(runtime, ['run', '--bundle', bundle, `flotilla-bench-${tag}-${process.pid}-${round}-${i}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${runtime} run failed (status ${r.status}): ${r.stderr?.toString().trim()}`);
  };
  if (round === 0) for (let i = 0; i < WARMUP; i++) once(-1 - i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) once(i);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * crunSeconds runs the crun loop in a child inside a private mount namespace without
 * /sys/fs/cgroup/unified: crun 1.8 refuses this hybrid host while its cgroup2 mount holds a
 * controller (hugetlb), and handles the v1 layout that remains. The host is not changed.
 */
function crunSeconds(bundle: string, n: number, round: number): number {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
    'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"', process.execPath, SELF, '--crun-loop', bundle, String(n), String(round)],
  { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`crun loop failed with status ${r.status}`);
  return Number(JSON.parse(r.stdout.trim().split('\n').at(-1)!).seconds);
}

async function oursSeconds(rt: OciRuntime, bundle: string, n: number, round: number): Promise<number> {
  const once = async (i: number): Promise<void> => {
    const id = `flotilla-bench-ours-${process.pid}-${round}-${i}`;
    await rt.create(id, bundle);
    await rt.start(id);
    const exit = await rt.wait(id, 10000);
    if (exit.exitCode !== 0) throw new Error(`container ${id} exited with ${JSON.stringify(exit)}`);
    await rt.delete(id);
  };
  if (round === 0) for (let i = 0; i < WARMUP; i++) await once(-1 - i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await once(i);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function shimRssKib(rt: OciRuntime, root: string): Promise<number> {
  const bundle = join(root, 'sleeper');
  makeRootfs(join(bundle, 'rootfs'));
  const spec = generateSpec({ args: ['/bin/sleep', '30'], rootfs: 'rootfs', resources: { memoryBytes: 64 << 20 }, cgroupsPath: `${CGROUP_PARENT}/sleeper` });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const id = `flotilla-bench-rss-${process.pid}`;
  const st = await rt.run(id, bundle);
  try {
    const status = readFileSync(`/proc/${st.shimPid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  } finally {
    await rt.delete(id, { force: true });
  }
}

/** removeCgroupParent removes what the three runtimes left under CGROUP_PARENT, best effort, saying what stayed. */
async function removeCgroupParent(): Promise<void> {
  const layout = detectCgroupLayout();
  // runc also makes the path in a hybrid host's cgroup2 mount (/sys/fs/cgroup/unified).
  const mounts = layout.version === 1 ? [...layout.hierarchies.map((h) => h.mountPoint), '/sys/fs/cgroup/unified'] : [layout.root];
  const deadline = Date.now() + 3000;
  for (const m of mounts) {
    const dir = join(m, CGROUP_PARENT);
    if (!existsSync(dir)) continue;
    try {
      await removeSubtree(dir, deadline);
    } catch (err) {
      process.stderr.write(`bench:runtime: cleanup: ${(err as Error).message}\n`);
    }
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--crun-loop') {
    const seconds = referenceLoop('crun', process.argv[3]!, 'crun', Number(process.argv[4]), Number(process.argv[5]));
    process.stdout.write(`${JSON.stringify({ seconds })}\n`);
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('bench:runtime needs root (namespaces, cgroups, mounts)');
  const work = mkdtempSync('/tmp/flotilla-bench-');
  const rt = new OciRuntime({ root: join(work, 'state') });
  try {
    const bundle = join(work, 'bundle');
    makeRootfs(join(bundle, 'rootfs'));
    const spec = generateSpec({ args: ['/bin/true'], rootfs: 'rootfs', resources: { memoryBytes: 64 << 20 }, cgroupsPath: `${CGROUP_PARENT}/c` });
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
    const ns = spec.linux!.namespaces!.map((n) => n.type).join(', ');
    process.stdout.write(`bench:runtime  ${N} x create+start+wait+delete of /bin/true; namespaces ${ns}; memory limit 64 MiB\n`);

    // Interleaved rounds, so a change in the machine's load during the run hits all three alike.
    let ours = 0;
    let crun = 0;
    let runc = 0;
    for (let round = 0, left = N; left > 0; round++) {
      const n = Math.min(ROUND, left);
      ours += await oursSeconds(rt, bundle, n, round);
      crun += crunSeconds(bundle, n, round);
      runc += referenceLoop('runc', bundle, 'runc', n, round);
      left -= n;
    }
    process.stdout.write(`  flotilla (OciRuntime, in-process)  ${ours.toFixed(3)} s   ${((ours / N) * 1000).toFixed(2)} ms/container\n`);
    process.stdout.write(`  crun run                           ${crun.toFixed(3)} s   ${((crun / N) * 1000).toFixed(2)} ms/container\n`);
    process.stdout.write(`  runc run                           ${runc.toFixed(3)} s   ${((runc / N) * 1000).toFixed(2)} ms/container\n`);
    const rss = await shimRssKib(rt, work);
    const ratio = ours / crun;
    process.stdout.write(`  ratio flotilla / crun              ${ratio.toFixed(3)}   (target <= 1.25)\n`);
    process.stdout.write(`  shim RSS beside a running container ${rss} KiB   (target <= 1024)\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'runtime', ours_s: round(ours), crun_s: round(crun), runc_s: round(runc), ratio: round(ratio), shim_rss_kib: rss })}\n`);
  } finally {
    for (const c of rt.list()) await rt.delete(c.id, { force: true }).catch(() => undefined);
    await removeCgroupParent();
    rmSync(work, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().catch((err) => {
  process.stderr.write(`bench:runtime: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
