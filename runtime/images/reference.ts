/**
 * Image references in Docker's grammar: `busybox` is `docker.io/library/busybox:latest`,
 * `localhost:5000/app:v1` names its registry, `name@sha256:…` pins content by digest.
 */
import { ImageError } from './errors.js';

/** Reference is a parsed, normalized image reference. */
export interface Reference {
  /** domain is the registry host with its port: `docker.io`, `localhost:5000`. */
  domain: string;
  /** path is the repository inside the registry: `library/busybox`, `app`. */
  path: string;
  /** tag is set when the reference has one, or is `latest` when it has neither tag nor digest. */
  tag?: string;
  /** digest pins the manifest: `sha256:<64 hex>`. */
  digest?: string;
}

/** DEFAULT_DOMAIN is where a reference without a registry host points, as in Docker. */
export const DEFAULT_DOMAIN = 'docker.io';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-zA-Z=_-]+$/;
const MAX_NAME_LENGTH = 255;

/** isDigest tells a `sha256:<64 hex>` digest, the only algorithm the store keeps content under. */
export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

function bad(input: string, why: string): ImageError {
  return new ImageError('FLT_ERR_IMAGE_REFERENCE', `invalid image reference "${input}": ${why}`);
}

/** parseReference parses and normalizes a reference; a bad one throws FLT_ERR_IMAGE_REFERENCE naming it. */
export function parseReference(input: string): Reference {
  if (typeof input !== 'string' || input.length === 0) throw bad(String(input), 'empty');
  if (input.trim() !== input) throw bad(input, 'surrounding whitespace');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!ANY_DIGEST_RE.test(digest)) throw bad(input, `"${digest}" is not a digest`);
    if (!DIGEST_RE.test(digest)) throw bad(input, `digest "${digest}" is not sha256:<64 lowercase hex>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw bad(input, `tag "${tag}" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  if (rest === '') throw bad(input, 'no repository name');
  if (/^[a-f0-9]{64}$/.test(rest) && tag === undefined && digest === undefined) {
    throw bad(input, 'a 64-character hex string is an image id, not a repository name');
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN_RE.test(domain)) throw bad(input, `registry host "${domain}" is not a host[:port]`);
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  for (const component of path.split('/')) {
    if (component !== component.toLowerCase()) throw bad(input, 'repository name must be lowercase');
    if (!PATH_COMPONENT_RE.test(component)) {
      throw bad(input, `repository path component "${component}" must be [a-z0-9] separated by ".", "_", "__" or "-"`);
    }
  }
  if (`${domain}/${path}`.length > MAX_NAME_LENGTH) throw bad(input, `name longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** repositoryName is `domain/path`, the name part shared by tags and digests of one repository. */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** formatReference prints the normalized reference: `docker.io/library/busybox:latest`, `name@sha256:…`. */
export function formatReference(ref: Reference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** taggedName is `name:tag` for the tag of a reference, or undefined when it has none. */
export function taggedName(ref: Reference): string | undefined {
  return ref.tag === undefined ? undefined : `${repositoryName(ref)}:${ref.tag}`;
}

/** registryHost maps a reference's domain to the host that serves its API (Docker Hub's differs). */
export function registryHost(ref: Reference): string {
  return ref.domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : ref.domain;
}

/** isLoopbackRegistry tells registries that are spoken to over plain HTTP by default, as Docker does. */
export function isLoopbackRegistry(domain: string): boolean {
  const host = domain.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.startsWith('127.');
}
