/**
 * shell-coprocess.ts: one long-lived `sh` that runs scripts for the runtime, one at a time.
 * Spawning a child from the runtime forks the whole Node process (its page tables), which on a
 * busy host costs more than the `ip` work itself; the shell's own fork of `ip` is cheap. Each
 * script runs in a subshell with `set -e`, its output (stdout and stderr) collected until a
 * marker line carrying the exit status.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** ShellScriptError is a script that exited non-zero (or a shell that died or hung); it carries the output. */
export class ShellScriptError extends Error {
  readonly code = 'FLT_ERR_NET_COMMAND';
  constructor(message: string, readonly output: string, readonly exitCode: number | null) {
    super(message);
    this.name = 'ShellScriptError';
  }
}

interface Job {
  script: string;
  timeoutMs: number;
  resolve: (out: string) => void;
  reject: (err: Error) => void;
}

/** ShellCoprocess runs scripts in a persistent `sh`, restarting it if it dies. */
export class ShellCoprocess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly marker = `__FLOTILLA_DONE_${randomBytes(6).toString('hex')}__`;
  private buffer = '';
  private current: (Job & { timer: NodeJS.Timeout }) | undefined;
  private readonly queue: Job[] = [];

  /** run executes a script (lines of sh) and resolves with its output, or rejects with ShellScriptError. */
  run(script: string, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ script, timeoutMs, resolve, reject });
      this.next();
    });
  }

  /** pending is how many scripts are running or waiting in this shell. */
  get pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  /** close ends the shell; queued scripts fail. */
  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  private ensureChild(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
    child.stdout.setEncoding('utf8').on('data', (d: string) => this.onData(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (this.buffer += d));
    child.stdin.on('error', () => undefined); // reported through 'exit'
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.fail(`the runtime's helper shell exited (${signal ?? `code ${code}`})`, null);
    });
    child.on('error', (e) => {
      if (this.child === child) this.child = undefined;
      this.fail(`cannot run sh: ${e.message}`, null);
    });
    this.child = child;
    return child;
  }

  private next(): void {
    if (this.current || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    const child = this.ensureChild();
    const timer = setTimeout(() => {
      this.fail(`script timed out after ${job.timeoutMs} ms`, null);
      child.kill('SIGKILL');
    }, job.timeoutMs);
    this.current = { ...job, timer };
    this.buffer = '';
    child.stdin.write(`( set -e\n${job.script}\n) </dev/null 2>&1; echo "${this.marker} $?"\n`);
  }

  private onData(d: string): void {
    this.buffer += d;
    const at = this.buffer.indexOf(this.marker);
    if (at < 0 || !this.current) return;
    const end = this.buffer.indexOf('\n', at);
    if (end < 0) return;
    const status = Number(this.buffer.slice(at + this.marker.length, end).trim());
    const output = this.buffer.slice(0, at);
    this.buffer = this.buffer.slice(end + 1);
    const job = this.current;
    this.current = undefined;
    clearTimeout(job.timer);
    if (status === 0) job.resolve(output);
    else job.reject(new ShellScriptError(output.trim() || `exit status ${status}`, output, status));
    this.next();
  }

  private fail(message: string, exitCode: number | null): void {
    const job = this.current;
    this.current = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(new ShellScriptError(`${message}${this.buffer.trim() ? `: ${this.buffer.trim()}` : ''}`, this.buffer, exitCode));
    }
    this.buffer = '';
    this.next();
  }
}

/** ShellPool spreads scripts over a few coprocesses, so concurrent sandboxes do not queue behind one shell. */
export class ShellPool {
  private readonly shells: ShellCoprocess[];

  constructor(size = 2) {
    this.shells = Array.from({ length: Math.max(1, size) }, () => new ShellCoprocess());
  }

  /** run executes the script in the least busy shell (see ShellCoprocess.run). */
  run(script: string, timeoutMs?: number): Promise<string> {
    const shell = this.shells.reduce((a, b) => (b.pending < a.pending ? b : a));
    return shell.run(script, timeoutMs);
  }

  /** close ends every shell. */
  close(): void {
    for (const s of this.shells) s.close();
  }
}
