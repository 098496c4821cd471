/**
 * `flotilla crictl`: crictl-like debugging against the runtime socket: pods, ps, images,
 * logs, inspect, inspectp, exec. Tables have crictl's columns and 13-character ids; every
 * id may be shortened to a unique prefix.
 */
import { parseArgs } from 'node:util';
import { open, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { RuntimeClient, DEFAULT_RUNTIME_SOCKET } from '../../runtime/client.js';

const USAGE = `Usage: flotilla crictl [--socket PATH] COMMAND
  pods                 list pod sandboxes
  ps [-a]              list running containers (-a: all)
  images               list images
  logs [-f] ID         print a container's log (-f: follow until it exits)
  inspect ID           container status as JSON
  inspectp ID          pod sandbox status as JSON
  exec ID CMD [ARG...] run a command in a running container (its exit code becomes ours)
  version | info       runtime version | runtime status
`;

/** ago renders a nanosecond timestamp the way crictl does ("5 seconds ago"). */
export function ago(ns: number, nowMs = Date.now()): string {
  const s = Math.max(0, Math.round((nowMs - ns / 1e6) / 1000));
  const unit = (n: number, u: string): string => `${n} ${u}${n === 1 ? '' : 's'} ago`;
  if (s < 60) return s < 1 ? 'Less than a second ago' : unit(s, 'second');
  if (s < 3600) return unit(Math.floor(s / 60), 'minute');
  if (s < 86400) return unit(Math.floor(s / 3600), 'hour');
  return unit(Math.floor(s / 86400), 'day');
}

/** table aligns rows under headers with three spaces between columns, as crictl prints. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** humanSize prints bytes as crictl does (1.23MB). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(3 - String(Math.floor(v)).length)}${units[i]}`;
}

/** parseCriLogLine splits "TIMESTAMP STREAM TAG text" into its stream, whether it ends a line, and text. */
export function parseCriLogLine(line: string): { stream: 'stdout' | 'stderr'; full: boolean; text: string } | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
  if (!m) return undefined;
  return { stream: m[2] as 'stdout' | 'stderr', full: m[3] === 'F', text: m[4]! };
}

const short = (id: string): string => id.slice(0, 13);
const state = (s: string): string => s.replace(/^(CONTAINER_|SANDBOX_)/, '').replace('NOTREADY', 'NotReady').replace(/^([A-Z])([A-Z]+)$/, (_, a: string, b: string) => a + b.toLowerCase());

function splitImage(tag: string): [string, string] {
  const at = tag.lastIndexOf(':');
  return at > tag.lastIndexOf('/') ? [tag.slice(0, at), tag.slice(at + 1)] : [tag, '<none>'];
}

async function printLog(client: RuntimeClient, id: string, follow: boolean): Promise<void> {
  const { status } = await client.containerStatus({ containerId: id });
  let offset = 0;
  let rest = '';
  for (;;) {
    let size = 0;
    try {
      size = (await stat(status.logPath)).size;
    } catch {
      throw new Error(`log file ${status.logPath} of container ${short(status.id)} is missing`);
    }
    if (size > offset) {
      const fh = await open(status.logPath, 'r');
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      await fh.close();
      offset = size;
      const lines = (rest + buf.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const p = parseCriLogLine(l);
        if (p) (p.stream === 'stdout' ? process.stdout : process.stderr).write(p.full ? `${p.text}\n` : p.text);
      }
    }
    if (!follow) return;
    const now = (await client.containerStatus({ containerId: id })).status;
    if (now.state === 'CONTAINER_EXITED' && (await stat(status.logPath)).size === offset) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** run executes one crictl command against the socket. */
export async function run(args: string[]): Promise<number> {
  const cmdIndex = args.findIndex((a, i) => !a.startsWith('-') && args[i - 1] !== '--socket' && args[i - 1] !== '-r');
  const head = cmdIndex < 0 ? args : args.slice(0, cmdIndex);
  const { values } = parseArgs({ args: head, options: { socket: { type: 'string', short: 'r', default: DEFAULT_RUNTIME_SOCKET }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help || cmdIndex < 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 1;
  }
  const cmd = args[cmdIndex]!;
  const rest = args.slice(cmdIndex + 1);
  if (!existsSync(values.socket!)) throw new Error(`no runtime socket at ${values.socket} (is \`flotilla runtime\` running? --socket picks another)`);
  const client = await RuntimeClient.connect(values.socket!, 3000);
  try {
    switch (cmd) {
      case 'pods': {
        const { items } = await client.listPodSandbox();
        const rows = items.sort((a, b) => b.createdAt - a.createdAt).map((p) => [short(p.id), ago(p.createdAt), state(p.state), p.metadata.name, p.metadata.namespace, String(p.metadata.attempt), p.runtimeHandler || '(default)']);
        process.stdout.write(table(['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME'], rows));
        return 0;
      }
      case 'ps': {
        const { values: o } = parseArgs({ args: rest, options: { all: { type: 'boolean', short: 'a' } }, strict: true });
        const filter = o.all ? {} : { state: { state: 'CONTAINER_RUNNING' as const } };
        const [{ containers }, { items }] = await Promise.all([client.listContainers({ filter }), client.listPodSandbox()]);
        const podName = new Map(items.map((p) => [p.id, p.metadata.name]));
        const rows = containers.sort((a, b) => b.createdAt - a.createdAt).map((c) => [short(c.id), c.image?.image ?? '', ago(c.createdAt), state(c.state), c.metadata.name, String(c.metadata.attempt), short(c.podSandboxId), podName.get(c.podSandboxId) ?? '']);
        process.stdout.write(table(['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD'], rows));
        return 0;
      }
      case 'images': {
        const { images } = await client.listImages();
        const rows = images.flatMap((i) => (i.repoTags.length ? i.repoTags : ['<none>:<none>']).map((t) => [...splitImage(t), short(i.id.replace(/^sha256:/, '')), humanSize(i.size)]));
        process.stdout.write(table(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], rows));
        return 0;
      }
      case 'logs': {
        const { values: o, positionals } = parseArgs({ args: rest, options: { follow: { type: 'boolean', short: 'f' } }, strict: true, allowPositionals: true });
        if (positionals.length !== 1) throw new Error('logs takes one container ID');
        await printLog(client, positionals[0]!, o.follow === true);
        return 0;
      }
      case 'inspect':
      case 'inspectp': {
        if (rest.length !== 1) throw new Error(`${cmd} takes one ID`);
        const res = cmd === 'inspect' ? await client.containerStatus({ containerId: rest[0]!, verbose: true }) : await client.podSandboxStatus({ podSandboxId: rest[0]!, verbose: true });
        const info = Object.fromEntries(Object.entries(res.info).map(([k, v]) => { try { return [k, JSON.parse(v)]; } catch { return [k, v]; } }));
        process.stdout.write(JSON.stringify({ status: res.status, info }, null, 2) + '\n');
        return 0;
      }
      case 'exec': {
        let timeout = 0;
        let i = 0;
        if (rest[0] === '--timeout') { timeout = Number(rest[1]); i = 2; }
        const [id, ...command] = rest.slice(i);
        if (!id || command.length === 0) throw new Error('exec takes a container ID and a command');
        const res = await client.execSync({ containerId: id, cmd: command, timeout });
        process.stdout.write(res.stdout);
        process.stderr.write(res.stderr);
        return res.exitCode;
      }
      case 'version': {
        const v = await client.version();
        process.stdout.write(`Version:  ${v.version}\nRuntimeName:  ${v.runtimeName}\nRuntimeVersion:  ${v.runtimeVersion}\nRuntimeApiVersion:  ${v.runtimeApiVersion}\n`);
        return 0;
      }
      case 'info': {
        process.stdout.write(JSON.stringify(await client.status({ verbose: true }), null, 2) + '\n');
        return 0;
      }
      default:
        throw new Error(`unknown command "${cmd}"\n\n${USAGE}`);
    }
  } finally {
    client.close();
  }
}
