/**
 * Loads the manifests of `-f FILE|DIR|-`: multi-document YAML and JSON (JSON is read as YAML, so
 * both get positions), `kind: List` expanded. Every error names where it is: a YAML error
 * `web.yaml:3:7: message`, a document without kind or apiVersion `web.yaml: document 2 (line 9): …`.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resourceByKind, RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { UserError } from './context.js';

/** Manifest is one object read from a file, with where it came from. */
export interface Manifest {
  object: KubeObject;
  /** File name as given ("web.yaml", "-" for stdin shown as "STDIN"). */
  source: string;
  /** 1-based index of the YAML document in its file. */
  document: number;
  /** 1-based line where the document starts. */
  line: number;
}

/** ManifestError is a manifest that cannot be read or is not an object the API serves. */
export class ManifestError extends UserError {
  constructor(message: string) {
    super(message, 'FLT_ERR_CLI_MANIFEST');
  }
}

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** parseManifestText parses one file's text into manifests, or throws a ManifestError naming file:line:col. */
export function parseManifestText(text: string, source: string): Manifest[] {
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const out: Manifest[] = [];
  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
      throw new ManifestError(`${where}: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    const line = lineOf(text, doc.contents?.range?.[0] ?? doc.range[0]);
    if (value === null || value === undefined) return;
    const here = `${source}: document ${i + 1} (line ${line})`;
    if (typeof value !== 'object' || Array.isArray(value)) throw new ManifestError(`${here}: expected an object with apiVersion, kind and metadata`);
    const obj = value as Record<string, unknown>;
    if (obj.kind === 'List' || (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))) {
      if (!Array.isArray(obj.items)) throw new ManifestError(`${here}: a List needs "items"`);
      obj.items.forEach((item, j) => out.push(checkObject(item, `${here} item ${j}`, source, i + 1, line)));
      return;
    }
    out.push(checkObject(obj, here, source, i + 1, line));
  });
  return out;
}

function checkObject(v: unknown, here: string, source: string, document: number, line: number): Manifest {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ManifestError(`${here}: expected an object with apiVersion, kind and metadata`);
  const o = v as Record<string, unknown>;
  const missing = ['apiVersion', 'kind'].filter((k) => typeof o[k] !== 'string' || !o[k]);
  if (missing.length) throw new ManifestError(`${here}: ${missing.map((k) => `"${k}"`).join(' and ')} not set`);
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null || Array.isArray(o.metadata))) {
    throw new ManifestError(`${here}: "metadata" must be an object`);
  }
  if (!o.metadata) o.metadata = {};
  return { object: o as unknown as KubeObject, source, document, line };
}

/** resourceOfManifest finds the served resource of a manifest, or throws naming the file and document. */
export function resourceOfManifest(m: Manifest): ResourceInfo {
  const r = resourceByKind(m.object.kind, m.object.apiVersion);
  if (r) return r;
  const sameKind = resourceByKind(m.object.kind);
  const where = `${m.source}: document ${m.document} (line ${m.line})`;
  if (sameKind) {
    const want = sameKind.group ? `${sameKind.group}/${sameKind.version}` : sameKind.version;
    throw new ManifestError(`${where}: no matches for kind "${m.object.kind}" in version "${m.object.apiVersion}" (${m.object.kind} is served as apiVersion ${want})`);
  }
  throw new ManifestError(`${where}: no matches for kind "${m.object.kind}" in version "${m.object.apiVersion}" (known kinds: ${RESOURCES.map((x) => x.kind).join(', ')})`);
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** loadManifests reads every -f argument: a file, a directory (its .yaml/.yml/.json files, sorted) or "-". */
export async function loadManifests(paths: string[], stdin: NodeJS.ReadableStream): Promise<Manifest[]> {
  if (paths.length === 0) throw new UserError('must give -f FILE, DIR or - (stdin)');
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parseManifestText(await readStdin(stdin), 'STDIN'));
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new ManifestError(`the path "${p}" does not exist`);
    }
    const files = st.isDirectory()
      ? (await readdir(p)).filter((f) => MANIFEST_EXT.test(f)).sort().map((f) => join(p, f))
      : [p];
    if (st.isDirectory() && files.length === 0) throw new ManifestError(`the directory "${p}" holds no .yaml, .yml or .json files`);
    for (const f of files) {
      let text: string;
      try {
        text = await readFile(f, 'utf8');
      } catch (e) {
        throw new ManifestError(`cannot read ${f}: ${(e as Error).message}`);
      }
      out.push(...parseManifestText(text, f));
    }
  }
  if (out.length === 0) throw new ManifestError(`no objects found in ${paths.join(', ')}`);
  return out;
}

/**
 * targetNamespace is where a manifest's object goes: its own metadata.namespace, else -n, else
 * "default"; a clash between the two is an error, as in kubectl. The object's namespace is set.
 */
export function targetNamespace(m: Manifest, r: ResourceInfo, flagNamespace: string, flagExplicit: boolean): string | undefined {
  if (!r.namespaced) {
    delete m.object.metadata.namespace;
    return undefined;
  }
  const own = m.object.metadata.namespace;
  if (own && flagExplicit && own !== flagNamespace) {
    throw new ManifestError(`${m.source}: document ${m.document}: the namespace from the provided object "${own}" does not match the namespace "${flagNamespace}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  const ns = own || flagNamespace;
  m.object.metadata.namespace = ns;
  return ns;
}

/** manifestName is the object's name, or a ManifestError naming the document when it has none. */
export function manifestName(m: Manifest, allowGenerate: boolean): string | undefined {
  const name = m.object.metadata.name;
  if (typeof name === 'string' && name) return name;
  if (allowGenerate && m.object.metadata.generateName) return undefined;
  throw new ManifestError(`${m.source}: document ${m.document} (line ${m.line}): metadata.name is not set${allowGenerate ? ' (nor metadata.generateName)' : ''}`);
}
