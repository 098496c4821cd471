/**
 * `flotilla server [--listen HOST:PORT] [--data-dir DIR] [--etcd-endpoints URLS] [--log-level L]`:
 * the API server (and, once wired, the scheduler and controllers in-process). Without endpoints it
 * starts and supervises its own etcd under the data dir. It writes <data-dir>/flotctl.yaml and,
 * when absent, ~/.flotilla/config, then runs until SIGINT or SIGTERM.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { startApiServer, type ApiServer } from '../../apiserver/server.js';
import { superviseEtcd, type SupervisedEtcd } from '../../apiserver/etcd-process.js';

const USAGE = `Usage: flotilla server [--listen HOST:PORT] [--data-dir DIR] [--etcd-endpoints URL[,URL...]] [--log-level LEVEL]

  --listen          address to serve HTTPS on (default 127.0.0.1:6443; 0.0.0.0:6443 for other machines)
  --data-dir        CA, certificates, admin token, client config, and the own etcd's data
                    (default /var/lib/flotilla/server as root, else ~/.flotilla/server)
  --etcd-endpoints  use this etcd cluster instead of starting one (comma-separated URLs)
  --log-level       fatal|error|warn|info|debug|trace (default info)
`;

/** ServerFlags are the parsed command-line options. */
export interface ServerFlags {
  listen: string;
  dataDir: string;
  etcdEndpoints: string[];
  logLevel: string;
}

/** defaultDataDir is /var/lib/flotilla/server for root, ~/.flotilla/server otherwise. */
export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/flotilla/server' : join(homedir(), '.flotilla', 'server');
}

/** parseServerFlags reads the command line; throws an Error naming the bad flag. */
export function parseServerFlags(args: string[]): ServerFlags | 'help' {
  const flags: ServerFlags = { listen: '127.0.0.1:6443', dataDir: defaultDataDir(), etcdEndpoints: [], logLevel: 'info' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') return 'help';
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      if (eq > 0 && a.startsWith('--')) return a.slice(eq + 1);
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--listen': flags.listen = value(); break;
      case '--data-dir': flags.dataDir = resolve(value()); break;
      case '--etcd-endpoints': {
        flags.etcdEndpoints = value().split(',').map((s) => s.trim()).filter(Boolean);
        for (const e of flags.etcdEndpoints) if (!/^https?:\/\/[^/]+/.test(e)) throw new Error(`--etcd-endpoints: "${e}" is not a URL like http://127.0.0.1:2379`);
        break;
      }
      case '--log-level': {
        flags.logLevel = value();
        if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(flags.logLevel)) throw new Error(`--log-level must be one of fatal, error, warn, info, debug, trace, silent`);
        break;
      }
      default: throw new Error(`unknown option "${a}"\n\n${USAGE}`);
    }
  }
  return flags;
}

/** clientConfigYaml is the flotctl config for a server: server, token, certificate-authority (path) and -data (base64 PEM). */
export function clientConfigYaml(server: ApiServer): string {
  return stringify({
    server: server.url,
    token: server.token,
    'certificate-authority': server.caFile,
    'certificate-authority-data': Buffer.from(server.caPem).toString('base64'),
  });
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/** RunningServer is what `flotilla server` started: the API server, its own etcd (if any), and stop(). */
export interface RunningServer {
  server: ApiServer;
  etcd?: SupervisedEtcd;
  configPath: string;
  stop(): Promise<void>;
}

/**
 * StartHook runs in-process components (scheduler, controllers) against the started server and
 * returns their stop function. The lead registers them in START_HOOKS.
 */
export type StartHook = (server: ApiServer, flags: ServerFlags) => Promise<() => Promise<void>>;

/** START_HOOKS are started after the API server, in order, and stopped before it in reverse. */
export const START_HOOKS: StartHook[] = [];

/** startServer starts etcd (when needed), the API server and the hooks, and writes the client configs. */
export async function startServer(flags: ServerFlags, log: (line: string) => void = () => {}): Promise<RunningServer> {
  mkdirSync(flags.dataDir, { recursive: true, mode: 0o700 });
  let etcd: SupervisedEtcd | undefined;
  let endpoints = flags.etcdEndpoints;
  if (endpoints.length === 0) {
    etcd = await superviseEtcd({ dataDir: join(flags.dataDir, 'etcd'), logFile: join(flags.dataDir, 'etcd.log') }, log);
    endpoints = etcd.endpoints;
    log(`etcd: started (pid ${etcd.pid()}) at ${endpoints.join(',')}, data in ${join(flags.dataDir, 'etcd')}`);
  }
  let server: ApiServer;
  try {
    server = await startApiServer({ listen: flags.listen, dataDir: flags.dataDir, etcdEndpoints: endpoints, logLevel: flags.logLevel });
  } catch (err) {
    await etcd?.stop();
    throw err;
  }
  const stops: (() => Promise<void>)[] = [];
  try {
    // ---- HOOK: in-process scheduler and controllers start here (registered in START_HOOKS by the lead).
    for (const hook of START_HOOKS) stops.push(await hook(server, flags));
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await server.close();
    await etcd?.stop();
    throw err;
  }
  const configPath = join(flags.dataDir, 'flotctl.yaml');
  const yaml = clientConfigYaml(server);
  writeAtomic(configPath, yaml);
  const home = join(homedir(), '.flotilla', 'config');
  if (!existsSync(home)) writeAtomic(home, yaml);
  let stopping: Promise<void> | undefined;
  return {
    server,
    ...(etcd ? { etcd } : {}),
    configPath,
    stop: () =>
      (stopping ??= (async () => {
        for (const s of stops.reverse()) await s().catch(() => undefined);
        await server.close();
        await etcd?.stop();
      })()),
  };
}

/** run is `flotilla server`: starts everything, prints where, and stops cleanly on SIGINT/SIGTERM. */
export async function run(args: string[]): Promise<number> {
  const flags = parseServerFlags(args);
  if (flags === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = (line: string): void => void process.stderr.write(`flotilla server: ${line}\n`);
  const { startScheduler, startControllers } = await import('./in-process.js');
  START_HOOKS.push(startScheduler, startControllers);
  const running = await startServer(flags, log);
  log(`API server at ${running.server.url}; client config in ${running.configPath} (export FLOTILLA_CONFIG=${running.configPath})`);
  await new Promise<void>((resolveSignal) => {
    const onSignal = (sig: string): void => {
      log(`${sig}: stopping`);
      resolveSignal();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
  await running.stop();
  log('stopped');
  return 0;
}
