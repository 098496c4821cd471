/** Test fixtures for the image store: small images built in memory (layers, config, manifest, archives). */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { MEDIA_TYPES, sha256Digest, type Descriptor } from '../../runtime/images/oci.js';
import { writeTar, type TarWriterEntry } from '../../runtime/images/tar.js';

/** TestLayer is one layer blob with its descriptor and diff id. */
export interface TestLayer {
  blob: Buffer;
  tar: Buffer;
  desc: Descriptor;
  diffId: string;
}

/** TestImage is everything a registry or archive needs to serve one image. */
export interface TestImage {
  layers: TestLayer[];
  configBytes: Buffer;
  config: Descriptor;
  manifestBytes: Buffer;
  manifestDigest: string;
  imageId: string;
}

/** makeImage builds an image from layers given as tar entries (bottom first), gzip-compressed unless told. */
export function makeImage(layerEntries: TarWriterEntry[][], opts: { gzip?: boolean; cmd?: string[]; arch?: string; docker?: boolean; label?: string } = {}): TestImage {
  const gzip = opts.gzip ?? true;
  const layers = layerEntries.map((entries): TestLayer => {
    const tar = writeTar(entries);
    const blob = gzip ? gzipSync(tar) : tar;
    const mediaType = opts.docker
      ? (gzip ? MEDIA_TYPES.dockerLayerGzip : MEDIA_TYPES.dockerLayer)
      : (gzip ? MEDIA_TYPES.ociLayerGzip : MEDIA_TYPES.ociLayer);
    return { blob, tar, diffId: sha256Digest(tar), desc: { mediaType, digest: sha256Digest(blob), size: blob.length } };
  });
  const configBytes = Buffer.from(JSON.stringify({
    architecture: opts.arch ?? 'amd64',
    os: 'linux',
    config: { Cmd: opts.cmd ?? ['sh'], Env: ['PATH=/bin'], ExposedPorts: { '80/tcp': {} }, Labels: { fixture: opts.label ?? '' } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  }));
  const config: Descriptor = { mediaType: opts.docker ? MEDIA_TYPES.dockerConfig : MEDIA_TYPES.ociConfig, digest: sha256Digest(configBytes), size: configBytes.length };
  const manifestBytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: opts.docker ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest,
    config,
    layers: layers.map((l) => l.desc),
  }));
  return { layers, configBytes, config, manifestBytes, manifestDigest: sha256Digest(manifestBytes), imageId: config.digest };
}

/** makeIndex builds an OCI index (or Docker manifest list) over per-platform images. */
export function makeIndex(entries: { image: TestImage; arch: string }[], docker = false): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: docker ? MEDIA_TYPES.dockerList : MEDIA_TYPES.ociIndex,
    manifests: entries.map(({ image, arch }) => ({
      mediaType: docker ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest,
      digest: image.manifestDigest,
      size: image.manifestBytes.length,
      platform: { os: 'linux', architecture: arch },
    })),
  }));
}

/** file makes a regular-file tar entry. */
export const file = (name: string, data: string, mode = 0o644, uid = 0, gid = 0): TarWriterEntry => ({ name, type: 'file', data: Buffer.from(data), mode, uid, gid });
/** dir makes a directory tar entry. */
export const dir = (name: string, mode = 0o755): TarWriterEntry => ({ name, type: 'dir', mode });
/** symlink makes a symbolic-link tar entry. */
export const symlink = (name: string, linkname: string): TarWriterEntry => ({ name, type: 'symlink', linkname, mode: 0o777 });
/** hardlink makes a hardlink tar entry naming a path from the archive root. */
export const hardlink = (name: string, linkname: string): TarWriterEntry => ({ name, type: 'hardlink', linkname });
/** whiteout makes the `.wh.NAME` entry that deletes NAME of a lower layer. */
export const whiteout = (dirName: string, hidden: string): TarWriterEntry => file(`${dirName ? `${dirName}/` : ''}.wh.${hidden}`, '');

/**
 * otherStoreArgs are the `node` arguments of a second process on the same store (as `flotilla runtime
 * import` beside a running runtime): it opens the ImageStore at root as `s`, then runs body.
 */
export function otherStoreArgs(root: string, body: string): string[] {
  const mod = new URL('../../runtime/images/image-store.js', import.meta.url).href;
  return ['--input-type=module', '-e', `
    const { ImageStore } = await import(${JSON.stringify(mod)});
    const s = new ImageStore(${JSON.stringify(root)});
    await s.init();
    ${body}
  `];
}

/** dockerSaveTar lays an image out as `docker save` does: manifest.json, <id>.json config, <n>/layer.tar. */
export function dockerSaveTar(image: TestImage, repoTags: string[]): Buffer {
  const configName = `${image.imageId.slice(7)}.json`;
  const layerNames = image.layers.map((_, i) => `layer${i}/layer.tar`);
  return writeTar([
    { name: configName, type: 'file', data: image.configBytes },
    ...image.layers.flatMap((l, i): TarWriterEntry[] => [
      { name: `layer${i}`, type: 'dir' },
      { name: layerNames[i]!, type: 'file', data: l.tar },
      { name: `layer${i}/VERSION`, type: 'file', data: Buffer.from('1.0') },
    ]),
    { name: 'manifest.json', type: 'file', data: Buffer.from(JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: layerNames }])) },
    { name: 'repositories', type: 'file', data: Buffer.from('{}') },
  ]);
}

/** ociLayoutEntries lays an image out as an OCI image layout, optionally annotated with a name. */
export function ociLayoutEntries(image: TestImage, annotations?: Record<string, string>): TarWriterEntry[] {
  const blob = (digest: string, data: Buffer): TarWriterEntry => ({ name: `blobs/sha256/${digest.slice(7)}`, type: 'file', data });
  return [
    { name: 'oci-layout', type: 'file', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    blob(image.config.digest, image.configBytes),
    blob(image.manifestDigest, image.manifestBytes),
    ...image.layers.map((l) => blob(l.desc.digest, l.blob)),
    { name: 'index.json', type: 'file', data: Buffer.from(JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: image.manifestDigest, size: image.manifestBytes.length, ...(annotations ? { annotations } : {}) }],
    })) },
  ];
}

/** tempDir makes a temp directory named with "flotilla" so leaks are visible. */
export async function tempDir(what: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), `flotilla-${what}-`));
}

/** listTree lists every path under a directory (relative, sorted), for "nothing left behind" checks. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const d of await fsp.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => [])) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      out.push(p);
      if (d.isDirectory()) await walk(p);
    }
  };
  await walk('');
  return out.sort();
}
