/**
 * Import of image archives: OCI image layouts (a directory, or a tar of one, with `oci-layout` and
 * `index.json`) and docker-save tarballs (`manifest.json` with RepoTags, config and layer tars). Blobs
 * stream straight into the content store — OCI blobs verified against their names — and the metadata
 * files are kept in memory; the result is one ImportedImage per image the archive names.
 */
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ImageError } from './errors.js';
import { MEDIA_TYPES, parseManifest, selectPlatform, sha256Digest, type Descriptor } from './oci.js';
import { parseReference, repositoryName, taggedName } from './reference.js';
import type { BlobStore } from './store.js';
import { readTar } from './tar.js';
import { decompress, safeParts } from './unpack.js';

/** ImportedImage is one image found in an archive, its blobs already in the store. */
export interface ImportedImage {
  /** manifestDigest is the linux/amd64 image manifest (synthesized and stored for docker-save). */
  manifestDigest: string;
  config: Descriptor;
  layers: Descriptor[];
  /** repoTags are normalized name:tag references. */
  repoTags: string[];
  /** repoDigests are name@digest of what the archive's index points at (OCI only). */
  repoDigests: string[];
}

/** ImportResult lists the images and every blob the import put in the store (to drop the unused). */
export interface ImportResult {
  images: ImportedImage[];
  ingested: Set<string>;
}

const META_LIMIT = 16 << 20;
const OCI_BLOB_RE = /^blobs\/sha256\/([a-f0-9]{64})$/;

interface ArchiveEntry {
  name: string;
  type: 'file' | 'symlink' | 'other';
  linkname: string;
  size: number;
  body(): AsyncIterable<Buffer>;
}

async function* walkDir(root: string, rel = ''): AsyncGenerator<ArchiveEntry> {
  const dirents = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  for (const d of dirents.sort((a, b) => a.name.localeCompare(b.name))) {
    const name = rel ? `${rel}/${d.name}` : d.name;
    const abs = path.join(root, name);
    if (d.isDirectory()) yield* walkDir(root, name);
    else if (d.isSymbolicLink()) {
      yield { name, type: 'symlink', linkname: await fsp.readlink(abs), size: 0, body: async function* () {} };
    } else if (d.isFile()) {
      const size = (await fsp.stat(abs)).size;
      yield { name, type: 'file', linkname: '', size, body: () => createReadStream(abs) };
    }
  }
}

async function* walkTar(file: string): AsyncGenerator<ArchiveEntry> {
  try {
    yield* walkTarEntries(file);
  } catch (err) {
    if (err instanceof ImageError && err.code === 'FLT_ERR_IMAGE_FORMAT') throw new ImageError(err.code, `${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

async function* walkTarEntries(file: string): AsyncGenerator<ArchiveEntry> {
  for await (const e of readTar(decompress(createReadStream(file)))) {
    const type = e.type === 'file' ? 'file' : e.type === 'symlink' || e.type === 'hardlink' ? 'symlink' : 'other';
    // a hardlink names its target from the archive root, a symlink from its own directory
    const linkname = e.type === 'hardlink' ? `/${e.linkname}` : e.linkname;
    yield { name: e.name, type, linkname, size: e.size, body: () => e.body() };
  }
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of body) parts.push(b);
  return Buffer.concat(parts);
}

/** ArchiveContents are an archive's files by normalized name: small metadata in memory, the rest as blobs. */
class ArchiveContents {
  readonly meta = new Map<string, Buffer>();
  readonly blobs = new Map<string, string>();
  readonly links = new Map<string, string>();
  readonly ingested = new Set<string>();

  constructor(private readonly source: string) {}

  /** resolve follows archive-internal symlinks (old docker-save links duplicate layers) to a file name. */
  resolve(name: string): string {
    let n = name;
    for (let hops = 0; hops < 16 && this.links.has(n); hops++) n = this.links.get(n)!;
    return n;
  }

  /** blob returns the store digest of a named file, failing with the archive and file named. */
  blob(name: string, what: string): string {
    const n = this.resolve(safeParts(name, this.source).join('/'));
    const d = this.blobs.get(n) ?? (this.meta.has(n) ? sha256Digest(this.meta.get(n)!) : undefined);
    if (d === undefined) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${this.source}: ${what} "${name}" is not in the archive`);
    return d;
  }

  json(name: string): unknown {
    const b = this.meta.get(this.resolve(name));
    if (b === undefined) return undefined;
    try {
      return JSON.parse(b.toString('utf8'));
    } catch (err) {
      throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${this.source}: ${name} is not JSON (${(err as Error).message})`);
    }
  }
}

async function scan(file: string, blobs: BlobStore, out: ArchiveContents): Promise<void> {
  let st;
  try {
    st = await fsp.stat(file);
  } catch {
    throw new ImageError('FLT_ERR_IMAGE_NOT_FOUND', `${file}: no such file or directory to import`);
  }
  const entries = st.isDirectory() ? walkDir(file) : walkTar(file);
  for await (const e of entries) {
    const name = safeParts(e.name, file).join('/');
    if (e.type === 'symlink') {
      const target = e.linkname.startsWith('/') ? e.linkname : path.posix.join(path.posix.dirname(name), e.linkname);
      out.links.set(name, safeParts(target, file).join('/'));
      continue;
    }
    if (e.type !== 'file') continue;
    const oci = OCI_BLOB_RE.exec(name);
    if (oci) {
      const digest = `sha256:${oci[1]}`;
      const had = await blobs.has(digest);
      await blobs.ingest(digest, async () => e.body(), { expectedSize: e.size });
      if (!had) out.ingested.add(digest);
      out.blobs.set(name, digest);
    } else if (e.size <= META_LIMIT && (name.endsWith('.json') || name === 'oci-layout' || name === 'repositories')) {
      out.meta.set(name, await collect(e.body()));
    } else if (name.endsWith('.tar') || name.endsWith('.tar.gz') || name.endsWith('/layer')) {
      const { digest } = await blobs.ingestUnnamed(e.body());
      out.ingested.add(digest);
      out.blobs.set(name, digest);
    }
  }
}

/** namesFromAnnotations reads the tag an OCI index entry carries (containerd, buildkit and skopeo styles). */
export function namesFromAnnotations(annotations: Record<string, string> | undefined): string[] {
  const full = annotations?.['io.containerd.image.name'];
  const refName = annotations?.['org.opencontainers.image.ref.name'];
  const candidates: string[] = [];
  if (full) candidates.push(full);
  else if (refName && (refName.includes('/') || refName.includes(':'))) candidates.push(refName);
  const out: string[] = [];
  for (const c of candidates) {
    try {
      const t = taggedName(parseReference(c));
      if (t) out.push(t);
    } catch {
      // a ref.name that is only a tag ("latest") names no repository: the caller's --tag must
    }
  }
  return out;
}

async function readManifestBlob(blobs: BlobStore, d: Descriptor, what: string) {
  const bytes = await blobs.read(d.digest).catch(() => {
    throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${what}: blob ${d.digest} is not in the archive`);
  });
  return parseManifest(bytes, d.mediaType, `${what} ${d.digest}`);
}

async function fromOciLayout(c: ArchiveContents, blobs: BlobStore, source: string): Promise<ImportedImage[]> {
  const layout = c.json('oci-layout') as { imageLayoutVersion?: string } | undefined;
  if (layout && typeof layout.imageLayoutVersion !== 'string') throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${source}: oci-layout has no imageLayoutVersion`);
  const index = parseManifest(c.meta.get('index.json')!, MEDIA_TYPES.ociIndex, `${source}: index.json`);
  if (index.kind !== 'index') throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${source}: index.json is not an image index`);
  const images: ImportedImage[] = [];
  for (const top of index.manifests) {
    let d = top;
    let m = await readManifestBlob(blobs, d, source);
    for (let depth = 0; m.kind === 'index'; depth++) {
      if (depth > 4) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${source}: indexes nested too deep under ${top.digest}`);
      d = selectPlatform(m.manifests, `${source}: index ${d.digest}`);
      m = await readManifestBlob(blobs, d, source);
    }
    const repoTags = namesFromAnnotations(top.annotations);
    const repoDigests = repoTags.map((t) => `${repositoryName(parseReference(t))}@${top.digest}`);
    images.push({ manifestDigest: d.digest, config: m.config, layers: m.layers, repoTags, repoDigests });
  }
  return images;
}

interface DockerSaveEntry { Config?: unknown; RepoTags?: unknown; Layers?: unknown }

async function fromDockerSave(c: ArchiveContents, blobs: BlobStore, source: string): Promise<ImportedImage[]> {
  const list = c.json('manifest.json');
  if (!Array.isArray(list)) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${source}: manifest.json is not a list`);
  const images: ImportedImage[] = [];
  for (const [i, raw] of (list as DockerSaveEntry[]).entries()) {
    const what = `${source}: manifest.json[${i}]`;
    if (typeof raw?.Config !== 'string') throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${what}.Config is not a file name`);
    if (!Array.isArray(raw.Layers) || raw.Layers.some((l) => typeof l !== 'string')) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${what}.Layers is not a list of file names`);
    const configName = c.resolve(raw.Config);
    const configBytes = c.meta.get(configName) ?? (c.blobs.has(configName) ? await blobs.read(c.blobs.get(configName)!) : undefined);
    if (!configBytes) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${what}.Config "${raw.Config}" is not in the archive`);
    const configDigest = await blobs.put(configBytes);
    c.ingested.add(configDigest);
    const config: Descriptor = { mediaType: MEDIA_TYPES.dockerConfig, digest: configDigest, size: configBytes.length };
    const layers: Descriptor[] = [];
    for (const [j, l] of (raw.Layers as string[]).entries()) {
      const digest = c.blob(l, `Layers[${j}]`);
      layers.push({ mediaType: MEDIA_TYPES.dockerLayer, digest, size: await blobs.size(digest) });
    }
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, config, layers }));
    const manifestDigest = await blobs.put(manifest);
    c.ingested.add(manifestDigest);
    const tags = Array.isArray(raw.RepoTags) ? raw.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    const repoTags = tags.map((t) => {
      const tagged = taggedName(parseReference(t));
      if (!tagged) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${what}.RepoTags: "${t}" has no tag`);
      return tagged;
    });
    images.push({ manifestDigest, config, layers, repoTags, repoDigests: [] });
  }
  return images;
}

/** importArchive reads an OCI layout (dir or tar) or a docker-save tarball into the store. */
export async function importArchive(file: string, blobs: BlobStore): Promise<ImportResult> {
  const c = new ArchiveContents(file);
  try {
    await scan(file, blobs, c);
    let images: ImportedImage[];
    if (c.meta.has('index.json')) images = await fromOciLayout(c, blobs, file);
    else if (c.meta.has('manifest.json')) images = await fromDockerSave(c, blobs, file);
    else throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${file}: neither an OCI image layout (index.json) nor a docker-save archive (manifest.json)`);
    if (images.length === 0) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `${file}: the archive names no image`);
    return { images, ingested: c.ingested };
  } catch (err) {
    throw Object.assign(err as object, { ingested: c.ingested });
  }
}
