/**
 * objectArg reads the object a command acts on, written `KIND/NAME` or `KIND NAME`, as kubectl
 * accepts both.
 */
import type { ResourceInfo } from '../../api/resources.js';
import { UserError, kindArg } from './context.js';

/** objectArg returns the resource and name from the positionals, or a UserError naming the command. */
export function objectArg(command: string, positionals: string[], allowed?: string[]): { r: ResourceInfo; name: string } {
  let kind: string | undefined;
  let name: string | undefined;
  if (positionals.length === 1 && positionals[0].includes('/')) [kind, name] = positionals[0].split('/', 2);
  else if (positionals.length === 2) [kind, name] = positionals;
  if (!kind || !name) throw new UserError(`${command}: want KIND/NAME or KIND NAME (for example deployment/web)`);
  const r = kindArg(kind);
  if (allowed && !allowed.includes(r.kind)) throw new UserError(`${command}: ${r.plural} are not supported (only ${allowed.join(', ')})`);
  return { r, name };
}
