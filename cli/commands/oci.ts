/**
 * `flotilla oci`: the runc-shaped face of OciRuntime, for teaching and for conformance runs.
 * create|start|state|kill|delete|run|list, with runc's option names and its `state` JSON.
 * The runtime service never goes through here; it calls OciRuntime directly.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { OciError } from '../../runtime/oci/errors.js';
import { DEFAULT_OCI_ROOT, OciRuntime, type ContainerState } from '../../runtime/oci/lifecycle.js';

const USAGE = `Usage: flotilla oci COMMAND [options] ID

Commands:
  create [--bundle DIR] [--log FILE] ID   set up a container; its process waits for start
  start ID                                 let a created container's process run
  state ID                                 print the container's state (runc's JSON shape)
  kill ID [SIGNAL]                         signal the container's init (default SIGTERM)
  delete [--force] ID                      remove a stopped (or, with --force, running) container
  run [--bundle DIR] ID                    create and start, print its output, exit with its code
  list                                     list containers

Options:
  --root DIR      state directory (default ${DEFAULT_OCI_ROOT})
  --bundle, -b    bundle directory holding config.json (default: the current directory)
  --log FILE      write the container's stdout/stderr there in the CRI log format
  --force, -f     delete: kill the container first
`;

interface Parsed {
  root: string;
  bundle: string;
  log?: string;
  force: boolean;
  positional: string[];
}

function parse(args: string[]): Parsed {
  const p: Parsed = { root: DEFAULT_OCI_ROOT, bundle: process.cwd(), force: false, positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new OciError('FLT_ERR_OCI_STATE', `option ${flag} needs a value`);
      return v;
    };
    if (flag === '--root') p.root = value();
    else if (flag === '--bundle' || flag === '-b') p.bundle = value();
    else if (flag === '--log') p.log = value();
    else if (flag === '--force' || flag === '-f') p.force = true;
    else if (flag.startsWith('-') && flag !== '-') throw new OciError('FLT_ERR_OCI_STATE', `unknown option ${flag}\n\n${USAGE}`);
    else p.positional.push(a);
  }
  return p;
}

/** runcState renders a state the way `runc state` prints it. */
export function runcState(st: ContainerState): Record<string, unknown> {
  return {
    ociVersion: st.ociVersion,
    id: st.id,
    pid: st.pid,
    status: st.status,
    bundle: st.bundle,
    rootfs: st.rootfs,
    created: st.created,
    owner: '',
    ...(Object.keys(st.annotations).length ? { annotations: st.annotations } : {}),
    ...(st.status === 'stopped' ? { exitCode: st.exitCode, oomKilled: st.oomKilled === true } : {}),
  };
}

/** LogFollower copies a CRI-format log file to this process's stdout and stderr as it grows. */
class LogFollower {
  private fd = -1;
  private pending = '';
  private readonly buf = Buffer.alloc(64 * 1024);

  constructor(private readonly path: string) {}

  drain(): void {
    if (this.fd < 0) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return;
      }
    }
    for (;;) {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      if (n <= 0) break;
      this.pending += this.buf.subarray(0, n).toString('utf8');
    }
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      // `2026-01-01T00:00:00.000000000Z stdout F text`: time, stream, F(ull) or P(artial), content.
      const m = /^\S+ (stdout|stderr) ([FP]) (.*)$/s.exec(line);
      if (!m) continue;
      const text = m[2] === 'F' ? `${m[3]}\n` : m[3]!;
      (m[1] === 'stderr' ? process.stderr : process.stdout).write(text);
    }
  }

  close(): void {
    this.drain();
    if (this.fd >= 0) closeSync(this.fd);
  }
}

async function runForeground(rt: OciRuntime, id: string, p: Parsed): Promise<number> {
  // Without --log the output goes to a file in the state directory, removed with it.
  const logPath = p.log ?? join(rt.root, id, 'container.log');
  await rt.run(id, p.bundle, { logPath });
  const follower = new LogFollower(logPath);
  const forward = (sig: NodeJS.Signals): void => {
    try {
      rt.kill(id, sig);
    } catch {
      // already stopped
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  const timer = setInterval(() => follower.drain(), 20);
  try {
    const exit = await rt.wait(id);
    follower.close();
    if (exit.oomKilled) process.stderr.write(`flotilla oci: container "${id}" was OOM-killed\n`);
    return exit.exitCode;
  } finally {
    clearInterval(timer);
    for (const s of signals) process.off(s, forward);
    await rt.delete(id, { force: true });
  }
}

function needId(p: Parsed, verb: string): string {
  const id = p.positional[0];
  if (!id) throw new OciError('FLT_ERR_OCI_STATE', `${verb}: missing container ID\n\n${USAGE}`);
  return id;
}

/** run is `flotilla oci ...`; returns the exit status (for `run`, the container's). */
export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (!verb || verb === '-h' || verb === '--help' || verb === 'help') {
    process.stdout.write(USAGE);
    return verb ? 0 : 1;
  }
  const p = parse(rest);
  if (process.getuid?.() !== 0) {
    throw new OciError('FLT_ERR_OCI_STATE', 'needs root (namespaces, cgroups and mounts); run it with sudo');
  }
  const rt = new OciRuntime({ root: p.root });
  switch (verb) {
    case 'create': {
      const st = await rt.create(needId(p, verb), p.bundle, p.log ? { logPath: p.log } : {});
      process.stdout.write(`${st.pid}\n`);
      return 0;
    }
    case 'start':
      await rt.start(needId(p, verb));
      return 0;
    case 'state':
      process.stdout.write(`${JSON.stringify(runcState(rt.state(needId(p, verb))), null, 2)}\n`);
      return 0;
    case 'kill':
      rt.kill(needId(p, verb), p.positional[1] ?? 'SIGTERM');
      return 0;
    case 'delete':
      await rt.delete(needId(p, verb), { force: p.force });
      return 0;
    case 'run':
      return runForeground(rt, needId(p, verb), p);
    case 'list': {
      const rows = rt.list().map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created]);
      const head = ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('   ').trimEnd()}\n`);
      return 0;
    }
    default:
      throw new OciError('FLT_ERR_OCI_STATE', `unknown command "${verb}"\n\n${USAGE}`);
  }
}
