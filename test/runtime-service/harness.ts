/**
 * harness.ts: runs a real `flotilla runtime` for tests: a child process inside a network
 * namespace the test made (so its bridge, veths and addresses never touch the host's), on a
 * temp root, socket and cgroup parent, with the busybox example image imported; and checks
 * afterwards that nothing was left behind.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { RuntimeClient } from '../../runtime/client.js';
import { createCgroupManager } from '../../runtime/cgroups/detect.js';
import { buildBusyboxImage } from '../../runtime/images/example-image.js';
import { volatileDir } from '../../runtime/state/volatile-dir.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** sleep waits ms milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Falsy = undefined | null | false | '' | 0;

/** waitFor polls until check() is truthy, failing with a message naming what was awaited. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | Falsy | Promise<T | Falsy>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(50);
  }
}

/** RuntimeHarness is one runtime under test and everything it may leave behind. */
export class RuntimeHarness {
  readonly id = randomBytes(3).toString('hex');
  readonly dir = mkdtempSync(join(tmpdir(), 'flotilla-rt-test-'));
  readonly root = join(this.dir, 'root');
  readonly socket = join(this.dir, 'runtime.sock');
  readonly logDir = join(this.dir, 'logs');
  readonly netns = `flotilla-rt-${this.id}`;
  readonly netnsPath = `/run/netns/flotilla-rt-${this.id}`;
  readonly cgroupParent = `/flotilla-rt-test-${this.id}`;
  client: RuntimeClient | undefined;
  private child: ChildProcess | undefined;
  private output = '';

  /** setup makes the namespace and imports the busybox example image into the root. */
  async setup(): Promise<void> {
    execFileSync('ip', ['netns', 'add', this.netns]);
    execFileSync('ip', ['-n', this.netns, 'link', 'set', 'lo', 'up']);
    const tar = join(this.dir, 'busybox.tar');
    await buildBusyboxImage(tar);
    // Through the CLI, as an operator would: `flotilla runtime import FILE --root-dir DIR`.
    const out = this.flotilla(['runtime', 'import', tar, '--root-dir', this.root]);
    if (!/imported .*busybox:latest/.test(out)) throw new Error(`flotilla runtime import printed: ${out}`);
  }

  /** flotilla runs the CLI to completion and returns its stdout (throws with stderr on failure). */
  flotilla(args: string[], opts: { allowFail?: boolean } = {}): string {
    try {
      return execFileSync(process.execPath, [join(REPO, 'bin/flotilla'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; status?: number };
      if (opts.allowFail) return `${e.stdout ?? ''}${e.stderr ?? ''}`;
      throw new Error(`flotilla ${args.join(' ')} failed (${e.status}): ${e.stderr ?? ''}`);
    }
  }

  /** start launches `flotilla runtime` in the namespace and connects a client. */
  async start(opts: { podCidr?: string } = {}): Promise<RuntimeClient> {
    const args = ['--net=' + this.netnsPath, process.execPath, join(REPO, 'bin/flotilla'), 'runtime',
      '--socket', this.socket, '--root-dir', this.root, '--cgroup-parent', this.cgroupParent,
      ...(opts.podCidr ? ['--pod-cidr', opts.podCidr] : [])];
    const child = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    await waitFor(`flotilla runtime to serve ${this.socket} (output so far: ${this.output})`, 20_000, () => {
      if (child.exitCode !== null) throw new Error(`runtime exited with ${child.exitCode}: ${this.output}`);
      return existsSync(this.socket);
    });
    this.client = await RuntimeClient.connect(this.socket, 10_000);
    return this.client;
  }

  /** stop ends the runtime with SIGTERM (or `signal`; containers keep running) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.client?.close();
    this.client = undefined;
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    await exited;
  }

  /** log is what the runtime printed, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** netnsLinks lists the interface names in the test's network namespace. */
  netnsLinks(): string[] {
    const out = execFileSync('ip', ['-n', this.netns, '-o', 'link', 'show'], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map((l) => l.split(':')[1]!.trim().split('@')[0]!);
  }

  /** mountsUnderRoot lists mount points below the runtime's root. */
  mountsUnderRoot(): string[] {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(this.dir));
  }

  /** cgroupChildren lists cgroup directories below the test's cgroup parent, in every hierarchy. */
  cgroupChildren(): string[] {
    const out: string[] = [];
    for (const d of createCgroupManager().dirs(this.cgroupParent)) {
      if (!existsSync(d)) continue;
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) out.push(join(d, e.name));
    }
    return out;
  }

  /** ipamAllocations lists the allocated-address files. */
  ipamAllocations(): string[] {
    const d = join(volatileDir(this.root), 'ipam');
    return existsSync(d) ? readdirSync(d).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n)) : [];
  }

  /** leaks describes anything the runtime's sandboxes left: veths, mounts, cgroups, IPs, shims. */
  leaks(): string[] {
    const out: string[] = [];
    const veths = this.netnsLinks().filter((l) => l.startsWith('veth'));
    if (veths.length) out.push(`veths: ${veths.join(', ')}`);
    // The runtime's own volatile tmpfs stays mounted for its next start; anything else is a leak.
    const mounts = this.mountsUnderRoot().filter((m) => m !== volatileDir(this.root));
    if (mounts.length) out.push(`mounts: ${mounts.join(', ')}`);
    const cgs = this.cgroupChildren();
    if (cgs.length) out.push(`cgroups: ${cgs.join(', ')}`);
    const ips = this.ipamAllocations();
    if (ips.length) out.push(`ipam: ${ips.join(', ')}`);
    for (const d of [join(this.root, 'sandboxes'), join(volatileDir(this.root), 'sandboxes')]) {
      const names = existsSync(d) ? readdirSync(d) : [];
      if (names.length) out.push(`sandbox dirs under ${d}: ${names.join(', ')}`);
    }
    return out;
  }

  /** removeAll removes every sandbox through the API (used at the end of a test and on failure). */
  async removeAll(): Promise<void> {
    if (!this.client) return;
    const { items } = await this.client.listPodSandbox();
    for (const p of items) {
      await this.client.stopPodSandbox({ podSandboxId: p.id });
      await this.client.removePodSandbox({ podSandboxId: p.id });
    }
  }

  /** cleanup takes everything down even after a failure: sandboxes, runtime, leftovers, netns, dirs. */
  async cleanup(): Promise<void> {
    try {
      await this.removeAll();
    } catch {
      // fall through to the blunt cleanup below
    }
    await this.stop();
    const cg = createCgroupManager();
    try {
      if (cg.exists(this.cgroupParent)) {
        cg.killAll(this.cgroupParent);
        await cg.remove(this.cgroupParent, 5000);
      }
    } catch {
      // reported by the leak check of the test itself
    }
    for (const m of this.mountsUnderRoot().reverse()) {
      try {
        execFileSync('umount', ['-l', m]);
      } catch {
        // already gone
      }
    }
    try {
      execFileSync('ip', ['netns', 'del', this.netns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
