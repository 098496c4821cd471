/**
 * ip-command.ts: runs iproute2's `ip -batch -`, so that each network step is one process rather
 * than one per command (the per-pod veths go over rtnetlink instead: runtime/native.ts).
 */
import { spawn, execFile } from 'node:child_process';

/** NetworkCommandError is a failed `ip` batch; its message carries the commands and ip's stderr. */
export class NetworkCommandError extends Error {
  readonly code = 'FLT_ERR_NET_COMMAND';
  constructor(message: string) {
    super(message);
    this.name = 'NetworkCommandError';
  }
}

/** ipBatch runs the commands (one `ip` command line each, without the leading `ip`) and returns stdout. */
export function ipBatch(commands: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['-batch', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => reject(new NetworkCommandError(`ip: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new NetworkCommandError(`ip failed (${commands.join('; ')}): ${err.trim() || `exit ${code}`}`));
    });
    child.stdin.on('error', () => undefined); // ip may exit before reading all; its status tells
    child.stdin.end(commands.join('\n') + '\n');
  });
}

/** ipJson runs one `ip -json ARGS...` command and returns its stdout. */
export function ipJson(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-json', ...args], (err, stdout, stderr) => {
      if (err) reject(new NetworkCommandError(`ip -json ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve(stdout);
    });
  });
}
