/**
 * Client configuration: where the API server is, the token, and the CA to trust. Flags win, then the
 * file named by --config or FLOTILLA_CONFIG, then ~/.flotilla/config (written by `flotilla up` and
 * `flotilla server`). The file is YAML with the keys `server`, `token`, `certificate-authority` (a
 * path, relative to the file), `certificate-authority-data` (base64 PEM), `insecure-skip-tls-verify`.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** ClientConfig is everything ApiClient.fromConfig needs. */
export interface ClientConfig {
  server: string;
  token?: string;
  /** PEM of the CA. */
  ca?: string;
  insecureSkipTLSVerify?: boolean;
  /** Where the settings came from, for messages ("flags", a file path). */
  source: string;
}

/** ClientConfigFlags are the settings a command line may give; each overrides the file's. */
export interface ClientConfigFlags {
  server?: string;
  token?: string;
  configPath?: string;
  /** Path of a CA PEM file. */
  certificateAuthority?: string;
  insecureSkipTLSVerify?: boolean;
  /** Environment to read FLOTILLA_CONFIG from (default process.env); tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** Home directory holding .flotilla/config (default os.homedir()). */
  home?: string;
}

/** ConfigError is a missing or unreadable client configuration; its message says what to pass. */
export class ConfigError extends Error {
  readonly code = 'FLT_ERR_CONFIG_INVALID' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
  }
}

/** defaultConfigPath is ~/.flotilla/config. */
export function defaultConfigPath(home = homedir()): string {
  return join(home, '.flotilla', 'config');
}

const FLAT_LINE = /^([A-Za-z][\w-]*)\s*:\s*(.*?)\s*$/;

function unquote(v: string): string {
  if (v.length >= 2 && ((v[0] === '"' && v.endsWith('"')) || (v[0] === "'" && v.endsWith("'")))) {
    return v[0] === '"' ? (JSON.parse(v) as string) : v.slice(1, -1).replace(/''/g, "'");
  }
  const hash = v.search(/\s#/);
  return hash >= 0 ? v.slice(0, hash).trimEnd() : v;
}

/**
 * parseConfigText reads the config file's text. Flat `key: value` files (what Flotilla writes) are
 * read directly; anything else goes through the `yaml` package, loaded only then.
 */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let flat = true;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.trimStart().startsWith('#') || line === '---') continue;
    const m = FLAT_LINE.exec(line);
    if (!m || m[2] === '' || m[2] === '|' || m[2] === '>' || m[2].startsWith('[') || m[2].startsWith('{')) {
      flat = false;
      break;
    }
    out[m[1]] = unquote(m[2]);
  }
  if (flat) return out;
  const YAML = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw new ConfigError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const v = doc.toJS() as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${file}: expected a mapping with keys server, token, certificate-authority`);
  return v as Record<string, unknown>;
}

function str(v: unknown, key: string, file: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ConfigError(`${file}: ${key} must be a string`);
  return v;
}

function readCa(path: string, from: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${from}: cannot read certificate-authority ${path}: ${(e as Error).message}`, { cause: e });
  }
}

const HOW_TO = 'pass --server https://HOST:PORT --token TOKEN, set FLOTILLA_CONFIG to a config file ' +
  '(`flotilla server` writes <data-dir>/flotctl.yaml), or run `flotilla up`, which writes ~/.flotilla/config';

/** loadClientConfig resolves the client settings from flags, FLOTILLA_CONFIG and ~/.flotilla/config. */
export function loadClientConfig(flags: ClientConfigFlags = {}): ClientConfig {
  const env = flags.env ?? process.env;
  const explicit = flags.configPath || env.FLOTILLA_CONFIG || undefined;
  const file = explicit ? resolve(explicit) : defaultConfigPath(flags.home);
  let fromFile: Record<string, unknown> = {};
  let haveFile = false;
  if (existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read client config ${file}: ${(e as Error).message}`, { cause: e });
    }
    fromFile = parseConfigText(text, file);
    haveFile = true;
  } else if (explicit) {
    const via = flags.configPath ? '--config' : 'FLOTILLA_CONFIG';
    throw new ConfigError(`client config ${file} (from ${via}) does not exist; ${HOW_TO}`);
  }

  const server = flags.server || str(fromFile.server, 'server', file);
  if (!server) {
    const why = haveFile ? `${file} has no "server" key` : `no API server configured (no --server, no FLOTILLA_CONFIG, no ${file})`;
    throw new ConfigError(`${why}; ${HOW_TO}`);
  }
  if (!/^https?:\/\//.test(server)) throw new ConfigError(`server "${server}" must be a URL like https://127.0.0.1:6443`);
  const cfg: ClientConfig = { server, source: flags.server ? 'flags' : file };
  const token = flags.token || str(fromFile.token, 'token', file);
  if (token) cfg.token = token;

  if (flags.certificateAuthority) {
    cfg.ca = readCa(resolve(flags.certificateAuthority), '--certificate-authority');
  } else {
    const data = str(fromFile['certificate-authority-data'], 'certificate-authority-data', file);
    const path = str(fromFile['certificate-authority'], 'certificate-authority', file);
    if (data) {
      cfg.ca = data.includes('-----BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');
      if (!cfg.ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${file}: certificate-authority-data is not a base64 PEM certificate`);
    } else if (path) {
      cfg.ca = readCa(isAbsolute(path) ? path : join(dirname(file), path), file);
    }
  }
  const insecure = flags.insecureSkipTLSVerify ?? fromFile['insecure-skip-tls-verify'];
  if (insecure === true || insecure === 'true') cfg.insecureSkipTLSVerify = true;
  return cfg;
}

/** formatClientConfig writes a config file's text in the flat form parseConfigText reads fastest. */
export function formatClientConfig(cfg: { server: string; token?: string; caPem?: string; caFile?: string; insecureSkipTLSVerify?: boolean }): string {
  const lines = [`server: ${cfg.server}`];
  if (cfg.token) lines.push(`token: ${cfg.token}`);
  if (cfg.caPem) lines.push(`certificate-authority-data: ${Buffer.from(cfg.caPem).toString('base64')}`);
  else if (cfg.caFile) lines.push(`certificate-authority: ${cfg.caFile}`);
  if (cfg.insecureSkipTLSVerify) lines.push('insecure-skip-tls-verify: true');
  return lines.join('\n') + '\n';
}
