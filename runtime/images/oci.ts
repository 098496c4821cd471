/**
 * OCI and Docker image metadata: media types, manifests, indexes, configs, chain ids — pure parsing and
 * decisions, no I/O, so pull and import agree on what a well-formed image is.
 */
import { createHash } from 'node:crypto';
import { ImageError } from './errors.js';
import { isDigest } from './reference.js';
import type { ImageConfig } from './types.js';

/** MEDIA_TYPES are the manifest, index, config and layer types we read. */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** MANIFEST_ACCEPT is the Accept header a pull sends: every manifest and index type we read. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest].join(', ');

const LAYER_TYPES = new Set<string>([
  MEDIA_TYPES.ociLayer, MEDIA_TYPES.ociLayerGzip, MEDIA_TYPES.dockerLayer, MEDIA_TYPES.dockerLayerGzip,
  MEDIA_TYPES.dockerForeignLayerGzip, 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
]);

/** Descriptor points at content by digest, as in the OCI image spec. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/** ParsedManifest is either an index (several manifests) or one image manifest. */
export type ParsedManifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[]; annotations?: Record<string, string> }
  | { kind: 'manifest'; mediaType: string; config: Descriptor; layers: Descriptor[] };

/** sha256Digest hashes bytes into `sha256:<hex>`. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function fail(what: string, why: string): ImageError {
  return new ImageError('FLT_ERR_IMAGE_FORMAT', `${what}: ${why}`);
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw fail(what, `not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail(what, 'not a JSON object');
  return value as Record<string, unknown>;
}

/** parseDescriptor checks one descriptor's digest and size; `what` names it in errors. */
export function parseDescriptor(raw: unknown, what: string): Descriptor {
  if (raw === null || typeof raw !== 'object') throw fail(what, 'not an object');
  const d = raw as Record<string, unknown>;
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw fail(what, `digest ${JSON.stringify(d.digest)} is not sha256:<64 hex>`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw fail(what, `size ${JSON.stringify(d.size)} is not a byte count`);
  const out: Descriptor = { mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest: d.digest, size: d.size };
  if (d.platform && typeof d.platform === 'object') out.platform = d.platform as Descriptor['platform'];
  if (d.annotations && typeof d.annotations === 'object') out.annotations = d.annotations as Record<string, string>;
  return out;
}

/** parseManifest reads an index, manifest list or image manifest (OCI or Docker schema 2). */
export function parseManifest(bytes: Buffer, contentType: string | undefined, what: string): ParsedManifest {
  const m = parseJson(bytes, what);
  const mediaType = typeof m.mediaType === 'string' ? m.mediaType : (contentType ?? '').split(';')[0]!.trim();
  if (m.schemaVersion !== 2) throw new ImageError('FLT_ERR_IMAGE_UNSUPPORTED', `${what}: schemaVersion ${JSON.stringify(m.schemaVersion)} is not 2 (Docker schema 1 is not supported)`);
  if (Array.isArray(m.manifests) || mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList) {
    if (!Array.isArray(m.manifests)) throw fail(what, 'an index without "manifests"');
    const manifests = m.manifests.map((d, i) => parseDescriptor(d, `${what}: manifests[${i}]`));
    return { kind: 'index', mediaType: mediaType || MEDIA_TYPES.ociIndex, manifests, ...(m.annotations ? { annotations: m.annotations as Record<string, string> } : {}) };
  }
  if (!m.config) throw fail(what, 'neither "manifests" nor "config": not an image manifest or index');
  if (!Array.isArray(m.layers)) throw fail(what, '"layers" is not a list');
  const config = parseDescriptor(m.config, `${what}: config`);
  const layers = m.layers.map((d, i) => parseDescriptor(d, `${what}: layers[${i}]`));
  for (const [i, l] of layers.entries()) {
    if (l.mediaType === MEDIA_TYPES.ociLayerZstd) throw new ImageError('FLT_ERR_IMAGE_UNSUPPORTED', `${what}: layers[${i}] is zstd-compressed, which this runtime does not read`);
    if (l.mediaType !== '' && !LAYER_TYPES.has(l.mediaType)) throw new ImageError('FLT_ERR_IMAGE_UNSUPPORTED', `${what}: layers[${i}] has media type ${l.mediaType}, not a tar layer`);
  }
  return { kind: 'manifest', mediaType: mediaType || MEDIA_TYPES.ociManifest, config, layers };
}

/** PLATFORM is the one platform this runtime runs: linux/amd64. */
export const PLATFORM = { os: 'linux', architecture: 'amd64' } as const;

/** selectPlatform picks the linux/amd64 manifest of an index (attestations and other platforms skipped). */
export function selectPlatform(manifests: Descriptor[], what: string): Descriptor {
  const found = manifests.find((d) => d.platform?.os === PLATFORM.os && d.platform?.architecture === PLATFORM.architecture);
  if (found) return found;
  const noPlatform = manifests.filter((d) => !d.platform && d.annotations?.['vnd.docker.reference.type'] === undefined);
  if (noPlatform.length === 1) return noPlatform[0]!;
  const have = manifests.map((d) => (d.platform ? `${d.platform.os}/${d.platform.architecture}` : 'unspecified')).join(', ');
  throw new ImageError('FLT_ERR_IMAGE_PLATFORM', `${what}: no ${PLATFORM.os}/${PLATFORM.architecture} image in the index (it has: ${have || 'none'})`);
}

function strings(v: unknown, field: string, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw fail(what, `${field} is not a list of strings`);
  return v as string[];
}

/** parseImageConfig reads an image config blob into the container-facing config and its diff ids. */
export function parseImageConfig(bytes: Buffer, what: string): { config: ImageConfig; diffIds: string[] } {
  const c = parseJson(bytes, what);
  const rootfs = c.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!rootfs || !Array.isArray(rootfs.diff_ids)) throw fail(what, 'no rootfs.diff_ids');
  const diffIds = rootfs.diff_ids.map((d, i) => {
    if (typeof d !== 'string' || !isDigest(d)) throw fail(what, `rootfs.diff_ids[${i}] ${JSON.stringify(d)} is not sha256:<64 hex>`);
    return d;
  });
  if (c.os !== undefined && c.os !== PLATFORM.os) throw new ImageError('FLT_ERR_IMAGE_PLATFORM', `${what}: image is for os ${String(c.os)}, not linux`);
  const cc = (c.config ?? {}) as Record<string, unknown>;
  const config: ImageConfig = {};
  const entrypoint = strings(cc.Entrypoint, 'config.Entrypoint', what);
  const cmd = strings(cc.Cmd, 'config.Cmd', what);
  const env = strings(cc.Env, 'config.Env', what);
  if (entrypoint) config.entrypoint = entrypoint;
  if (cmd) config.cmd = cmd;
  if (env) config.env = env;
  if (typeof cc.WorkingDir === 'string' && cc.WorkingDir !== '') config.workingDir = cc.WorkingDir;
  if (typeof cc.User === 'string' && cc.User !== '') config.user = cc.User;
  if (cc.ExposedPorts && typeof cc.ExposedPorts === 'object') config.exposedPorts = Object.keys(cc.ExposedPorts).sort();
  return { config, diffIds };
}

/** chainIds computes OCI chain ids: the first is the first diff id, each next hashes "<parent> <diffid>". */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256Digest(`${out[out.length - 1]} ${d}`));
  return out;
}

/** hexOf strips the `sha256:` prefix from a checked digest. */
export function hexOf(digest: string): string {
  if (!isDigest(digest)) throw fail('digest', `${JSON.stringify(digest)} is not sha256:<64 hex>`);
  return digest.slice('sha256:'.length);
}
