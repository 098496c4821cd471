/**
 * loadBundle: read and check an OCI bundle (a directory with config.json and a rootfs)
 * before anything is made for it, so a mistake is reported naming the file and field
 * instead of surfacing later as a failure inside the shim.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { OciError } from './errors.js';
import type { OciSpec } from './oci-types.js';

/** Bundle is a checked bundle: its absolute directory, parsed config.json and resolved rootfs. */
export interface Bundle {
  dir: string;
  configPath: string;
  config: OciSpec;
  rootfs: string;
  /** cgroupsPath is linux.cgroupsPath made absolute (`/flotilla/ID` when config.json has none). */
  cgroupsPath: string;
}

function bad(message: string): never {
  throw new OciError('FLT_ERR_OCI_BUNDLE', message);
}

/** defaultCgroupsPath is where a container whose config.json names no cgroup goes. */
export function defaultCgroupsPath(id: string): string {
  return `/flotilla/${id}`;
}

/** checkConfig validates the parsed config.json fields the runtime relies on (pure). */
export function checkConfig(config: unknown, configPath: string): OciSpec {
  const c = config as Partial<OciSpec> | null;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) bad(`${configPath}: must hold a JSON object`);
  if (typeof c.ociVersion !== 'string') bad(`${configPath}: ociVersion: required`);
  if (!c.process || typeof c.process !== 'object') bad(`${configPath}: process: required`);
  const args = c.process.args;
  if (!Array.isArray(args) || args.length === 0 || args.some((a) => typeof a !== 'string')) {
    bad(`${configPath}: process.args: must be a non-empty array of strings`);
  }
  if (typeof c.process.cwd !== 'string' || !c.process.cwd.startsWith('/')) bad(`${configPath}: process.cwd: must be an absolute path`);
  if (!c.root || typeof c.root.path !== 'string' || c.root.path === '') bad(`${configPath}: root.path: required`);
  const cg = c.linux?.cgroupsPath;
  if (cg !== undefined && (typeof cg !== 'string' || cg.split('/').includes('..'))) {
    bad(`${configPath}: linux.cgroupsPath: must be a path without ".."`);
  }
  return c as OciSpec;
}

/** readConfig reads and parses a bundle's config.json, naming the file in its errors. */
function readConfig(configPath: string, bundle: string): unknown {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    bad(code === 'ENOENT' ? `${configPath}: no such file (is ${bundle} an OCI bundle? \`runc spec\` makes one)` : `${configPath}: ${code}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    bad(`${configPath}: invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * loadBundle reads DIR/config.json, checks it and its rootfs; errors name the file at fault.
 * `written` is config.json as the caller just wrote it, checked like the file but not read back.
 */
export function loadBundle(dir: string, id: string, written?: OciSpec): Bundle {
  const abs = resolve(dir);
  try {
    if (!statSync(abs).isDirectory()) bad(`bundle ${abs}: not a directory`);
  } catch (err) {
    if (err instanceof OciError) throw err;
    bad(`bundle ${abs}: no such directory`);
  }
  const configPath = join(abs, 'config.json');
  const config = checkConfig(written ?? readConfig(configPath, abs), configPath);
  const rootfs = isAbsolute(config.root.path) ? config.root.path : join(abs, config.root.path);
  try {
    if (!statSync(rootfs).isDirectory()) bad(`${configPath}: root.path: ${rootfs} is not a directory`);
  } catch (err) {
    if (err instanceof OciError) throw err;
    bad(`${configPath}: root.path: ${rootfs} does not exist`);
  }
  const cg = config.linux?.cgroupsPath;
  const cgroupsPath = !cg ? defaultCgroupsPath(id) : cg.startsWith('/') ? cg : `/${cg}`;
  return { dir: abs, configPath, config, rootfs, cgroupsPath };
}
