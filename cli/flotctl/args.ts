/**
 * Command-line parsing for flotctl: the global flags are taken out wherever they appear (as kubectl
 * allows `get pods -n x`), and each command parses the rest with its own option table.
 */
import { parseArgs } from 'node:util';
import { UserError, type GlobalFlags } from './context.js';

const VALUE_FLAGS: Record<string, keyof GlobalFlags> = {
  '--server': 'server', '-s': 'server', '--token': 'token', '--config': 'config', '--kubeconfig': 'config',
  '--certificate-authority': 'certificateAuthority', '--namespace': 'namespace', '-n': 'namespace',
};
const BOOL_FLAGS: Record<string, keyof GlobalFlags> = {
  '--insecure-skip-tls-verify': 'insecureSkipTLSVerify', '--all-namespaces': 'allNamespaces', '-A': 'allNamespaces',
  '--help': 'help', '-h': 'help',
};

/** extractGlobalFlags takes the global flags out of argv and returns them with what is left. */
export function extractGlobalFlags(argv: string[]): { flags: GlobalFlags; rest: string[] } {
  const flags: GlobalFlags = { allNamespaces: false, help: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : a.startsWith('-n=') ? 2 : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const vkey = VALUE_FLAGS[name];
    if (vkey) {
      let value: string | undefined;
      if (eq > 0) value = a.slice(eq + 1);
      else value = argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('-') && value !== '-')) {
        throw new UserError(`flag ${name} needs a value`);
      }
      (flags as unknown as Record<string, unknown>)[vkey] = value;
      continue;
    }
    const bkey = BOOL_FLAGS[name];
    if (bkey) {
      const v = eq > 0 ? a.slice(eq + 1) !== 'false' : true;
      (flags as unknown as Record<string, unknown>)[bkey] = v;
      continue;
    }
    rest.push(a);
  }
  return { flags, rest };
}

/** OptionSpec is one command option: a string or a boolean, with an optional one-letter alias. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }>;

/** ParsedArgs is a command's options by name, and its positional arguments. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** parseCommandArgs parses a command's own options; unknown flags are a UserError naming the command. */
export function parseCommandArgs(command: string, args: string[], spec: OptionSpec): ParsedArgs {
  try {
    const r = parseArgs({ args, options: spec, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs['values'], positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.replace(/^Unknown option/, 'unknown flag').replace(/\. To specify a positional argument.*$/s, '');
    throw new UserError(`${command}: ${msg} (see flotctl ${command} -h)`);
  }
}

/** str reads a string option (the last one when repeated). */
export function str(v: string | boolean | string[] | undefined): string | undefined {
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

/** strs reads a repeatable string option as a list. */
export function strs(v: string | boolean | string[] | undefined): string[] {
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

/** intOption parses a non-negative integer flag value or throws a UserError naming the flag. */
export function intOption(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UserError(`invalid value "${v}" for ${flag}: want an integer`);
  return Number(v);
}

/** durationOption parses "30s", "2m", "1h" or plain seconds into milliseconds. */
export function durationOption(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new UserError(`invalid value "${v}" for ${flag}: want a duration like 30s, 2m`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}
