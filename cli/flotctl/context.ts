/**
 * What every flotctl command receives: the global flags already taken out of argv, a lazily made
 * API client, and the output streams. A command module exports `usage` and `run(ctx, args)`.
 */
import type { ApiClient } from '../../api/client.js';
import { resolveResource } from '../../api/client.js';
import type { ResourceInfo } from '../../api/resources.js';

/** GlobalFlags are the flags every command accepts, wherever they appear on the line. */
export interface GlobalFlags {
  server?: string;
  token?: string;
  config?: string;
  certificateAuthority?: string;
  insecureSkipTLSVerify?: boolean;
  namespace?: string;
  allNamespaces: boolean;
  help: boolean;
}

/** Context is one invocation's environment, shared by every command. */
export interface Context {
  flags: GlobalFlags;
  /** The namespace to use: -n, else "default". */
  namespace: string;
  /** True when -n/--namespace was given. */
  namespaceExplicit: boolean;
  allNamespaces: boolean;
  /** client loads the config and builds the API client the first time it is asked. */
  client(): Promise<ApiClient>;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Standard input, for `-f -`. */
  stdin: NodeJS.ReadableStream;
}

/** Command is what a cli/flotctl/<name>.ts module exports. */
export interface Command {
  usage: string;
  run(ctx: Context, args: string[]): Promise<number>;
}

/** UserError is a mistake on the command line or in a manifest: printed as `error: message`, exit 1. */
export class UserError extends Error {
  readonly code: string;
  constructor(message: string, code = 'FLT_ERR_CLI_USAGE') {
    super(message);
    this.name = 'UserError';
    this.code = code;
  }
}

/** kindArg resolves what the user typed for a kind ("po", "pods", "deployment.apps") or throws a UserError. */
export function kindArg(typed: string): ResourceInfo {
  const base = typed.includes('.') ? typed.slice(0, typed.indexOf('.')) : typed;
  try {
    return resolveResource(base);
  } catch {
    throw new UserError(`the server doesn't have a resource type "${typed}"`, 'FLT_ERR_CLI_UNKNOWN_KIND');
  }
}

/** splitTypeName splits "pod/x" into its kind and name, or returns undefined. */
export function splitTypeName(arg: string): { kind: ResourceInfo; name: string } | undefined {
  const i = arg.indexOf('/');
  if (i <= 0) return undefined;
  return { kind: kindArg(arg.slice(0, i)), name: arg.slice(i + 1) };
}

/** namespaceFor is the namespace a command acts in for a resource: none for cluster-scoped ones. */
export function namespaceFor(ctx: Context, r: ResourceInfo): string | undefined {
  return r.namespaced ? ctx.namespace : undefined;
}

/** typeName prints "pod/x" or "deployment.apps/web", as kubectl names objects in its messages. */
export function typeName(r: ResourceInfo, name: string): string {
  return `${r.singular}${r.group ? `.${r.group}` : ''}/${name}`;
}

/** pluralName prints "pods" or "deployments.apps", as in `pods "x" deleted`. */
export function pluralName(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}
