/**
 * Request decoding: which resource, namespace, name and subresource a path names, and the body
 * (JSON or YAML, at most 3 MiB) as a plain object. Every failure is a 400/404/413/415 ApiError.
 */
import { parse as parseYaml } from 'yaml';
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import { BadRequestError, NotFoundError, RequestTooLargeError, UnsupportedMediaTypeError } from '../api/errors.js';
import type { ApiRequest } from './context.js';
import { Turns } from './turns.js';

/** MAX_BODY_BYTES is the largest request body accepted (Kubernetes' limit is 3 MiB too). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** ResourcePath is what a resource URL names. */
export interface ResourcePath {
  resource: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function decodeSeg(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new BadRequestError(`malformed path segment "${s}"`);
  }
}

/**
 * parseResourcePath reads /api/v1/... or /apis/GROUP/VERSION/... into a ResourcePath; undefined
 * when the path is not under a served group/version at all; NotFoundError for an unknown resource.
 */
export function parseResourcePath(path: string): ResourcePath | undefined {
  const segs = path.split('/').filter((s) => s !== '').map(decodeSeg);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 2) {
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else return undefined;
  const inGroup = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (inGroup.length === 0) return undefined;
  if (rest.length === 0) return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && rest.length === 3 && ['status', 'finalize'].includes(rest[2]!))) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const plural = rest[0]!;
  const resource = inGroup.find((r) => r.plural === plural);
  if (!resource) throw new NotFoundError(`the server could not find the requested resource (${plural} in ${group ? `${group}/` : ''}${version})`);
  if (namespace !== undefined && !resource.namespaced) throw new NotFoundError(`${plural} is not a namespaced resource`);
  if (rest.length > 3) throw new NotFoundError(`the server could not find the requested resource: ${path}`);
  const out: ResourcePath = { resource };
  if (namespace !== undefined) out.namespace = namespace;
  if (rest[1] !== undefined) out.name = rest[1];
  if (rest[2] !== undefined) {
    if (!resource.subresources.includes(rest[2])) throw new NotFoundError(`${plural} has no subresource "${rest[2]}"`);
    out.subresource = rest[2];
  }
  return out;
}

/**
 * bodyTurns hands over the bodies of a burst a slice per event-loop turn: what a request does with
 * its body (parse, validate, write to etcd) is most of its work, and the first requests' etcd
 * writes and answers should go out before the last ones are parsed. One for the process: the
 * event loop is.
 */
const bodyTurns = new Turns();

/** readBody reads the raw body, failing with 413 past MAX_BODY_BYTES; bodies that arrive together are handed over in turns. */
export function readBody(req: ApiRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      reject(new RequestTooLargeError(`the request body of ${declared} bytes is over the limit of ${MAX_BODY_BYTES} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new RequestTooLargeError(`the request body is over the limit of ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => failed || bodyTurns.run(() => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    req.on('error', (err) => failed || reject(new BadRequestError(`reading the request body: ${err.message}`)));
  });
}

/** BodyKind says how a body must be read: a whole object, or a patch of one of the kinds served. */
export type PatchType = 'merge' | 'strategic' | 'json';

/** patchTypeOf maps a PATCH Content-Type to the patch kind, 415 for others. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/merge-patch+json' || ct === 'application/apply-patch+yaml') return 'merge';
  if (ct === 'application/strategic-merge-patch+json') return 'strategic';
  if (ct === 'application/json-patch+json') return 'json';
  throw new UnsupportedMediaTypeError(`the body of a PATCH must be application/merge-patch+json, application/strategic-merge-patch+json or application/json-patch+json, not "${ct || 'none'}"`);
}

/** decodeBody parses a JSON or YAML body (by Content-Type, sniffing when absent) into a value. */
export function decodeBody(raw: Buffer, contentType: string | undefined): unknown {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = raw.toString('utf8');
  if (text.trim() === '') throw new BadRequestError('the request body is empty');
  const yamlType = ct === 'application/yaml' || ct === 'application/x-yaml' || ct === 'text/yaml' || ct === 'application/apply-patch+yaml';
  const jsonType = ct === '' || ct.endsWith('json') || ct === 'text/plain';
  if (!yamlType && !jsonType) throw new UnsupportedMediaTypeError(`unsupported Content-Type "${ct}": send application/json or application/yaml`);
  if (yamlType || (ct === '' && !/^\s*[[{]/.test(text))) {
    try {
      const docs = text.split(/^---\s*$/m).filter((d) => d.trim() !== '');
      if (docs.length > 1) throw new BadRequestError('the YAML body holds more than one document; send one object per request');
      return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (err) {
      if (err instanceof BadRequestError) throw err;
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new BadRequestError(`malformed YAML body: ${msg}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`malformed JSON body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** queryString reads one string query parameter (the first when repeated). */
export function queryString(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined ? undefined : String(v);
}

/** queryInt reads a non-negative integer query parameter; 400 when it is not one. */
export function queryInt(q: Record<string, unknown>, name: string): number | undefined {
  const s = queryString(q, name);
  if (s === undefined || s === '') return undefined;
  if (!/^\d+$/.test(s)) throw new BadRequestError(`query parameter ${name}="${s}" must be a non-negative integer`);
  return Number(s);
}

/** queryBool reads a boolean query parameter ("true", "1", "false", "0"). */
export function queryBool(q: Record<string, unknown>, name: string): boolean {
  const s = queryString(q, name);
  if (s === undefined) return false;
  if (s === 'true' || s === '1' || s === '') return true;
  if (s === 'false' || s === '0') return false;
  throw new BadRequestError(`query parameter ${name}="${s}" must be true or false`);
}
