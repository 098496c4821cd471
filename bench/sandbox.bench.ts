/**
 * bench:sandbox — RunPodSandbox + CreateContainer + StartContainer for 50 pods of one busybox
 * `sleep 3600` container each, sequentially over gRPC against a real `flotilla runtime` in its own
 * network namespace; prints each phase's median, then p50/p99 of the whole, and cleans up.
 */
import { RuntimeHarness } from '../test/runtime-service/harness.js';

const PODS = 50;

function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:sandbox needs root (namespaces, cgroups, veths)');
  const h = new RuntimeHarness();
  let code = 0;
  try {
    await h.setup();
    const c = await h.start({ podCidr: '10.244.200.0/24' });
    const one = async (i: number): Promise<{ total: number; run: number; create: number; start: number }> => {
      const config = { metadata: { name: `bench-${i}`, namespace: 'bench', uid: `bench-${h.id}-${i}` }, logDirectory: `${h.logDir}/bench-${i}` };
      const t0 = performance.now();
      const { podSandboxId } = await c.runPodSandbox({ config });
      const t1 = performance.now();
      const { containerId } = await c.createContainer({ podSandboxId, config: { metadata: { name: 'sleep' }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'], logPath: 'sleep.log' }, sandboxConfig: config });
      const t2 = performance.now();
      await c.startContainer({ containerId });
      const t3 = performance.now();
      return { total: t3 - t0, run: t1 - t0, create: t2 - t1, start: t3 - t2 };
    };
    await one(-1); // warm-up: the bridge is made and code paths are compiled; not counted
    const samples: { total: number; run: number; create: number; start: number }[] = [];
    for (let i = 0; i < PODS; i++) samples.push(await one(i));
    const running = (await c.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' } } })).containers.length;
    if (running !== PODS + 1) throw new Error(`expected ${PODS + 1} running containers, found ${running}`);
    const med = (k: 'run' | 'create' | 'start'): string => percentile(samples.map((s) => s[k]).sort((x, y) => x - y), 50).toFixed(1);
    const totals = samples.map((s) => s.total).sort((x, y) => x - y);
    const p50 = percentile(totals, 50);
    const p99 = percentile(totals, 99);
    console.log(`sandbox: ${PODS} pods, one busybox container each, sequential (1 warm-up pod not counted)`);
    console.log(`  median RunPodSandbox ${med('run')} ms, CreateContainer ${med('create')} ms, StartContainer ${med('start')} ms`);
    console.log(`  total p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target p99 <= 100 ms)`);
    const t0 = performance.now();
    await h.removeAll();
    console.log(`  cleanup: ${PODS + 1} pods stopped and removed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const leaks = h.leaks();
    if (leaks.length) {
      console.log(`  LEFT BEHIND: ${leaks.join('; ')}`);
      code = 1;
    }
    console.log(JSON.stringify({ bench: 'sandbox', pods: PODS, p50_ms: Number(p50.toFixed(1)), p99_ms: Number(p99.toFixed(1)) }));
  } catch (err) {
    console.error(`bench:sandbox: ${err instanceof Error ? err.message : String(err)}\nruntime log:\n${h.log}`);
    code = 1;
  } finally {
    await h.cleanup();
  }
  process.exitCode = code;
}

void main();
