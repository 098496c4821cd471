/**
 * The example image: an OCI image layout tarball made from Debian's busybox-static, with no internet.
 * Everything in it has fixed times, owners and order, so the same busybox binary always gives the same
 * image id; examples and tests import it as `busybox:latest`.
 */
import { execFile } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ImageError } from './errors.js';
import { MEDIA_TYPES, sha256Digest } from './oci.js';
import { parseReference, repositoryName } from './reference.js';
import { writeFileAtomic } from './store.js';
import { writeTar, type TarWriterEntry } from './tar.js';

const run = promisify(execFile);

/** BUSYBOX_PATH is where Debian's busybox-static package puts its static binary. */
export const BUSYBOX_PATH = '/bin/busybox';

/** EXAMPLE_MTIME is the fixed timestamp of every file and of the config (2024-01-01T00:00:00Z). */
export const EXAMPLE_MTIME = 1704067200;

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';
const INDEX_HTML = '<!doctype html>\n<html><body><h1>Hello from Flotilla</h1><p>served by busybox httpd</p></body></html>\n';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** busyboxApplets asks the binary which applets it has, so every symlink points at a real applet. */
async function busyboxApplets(binary: string): Promise<string[]> {
  const { stdout } = await run(binary, ['--list']);
  return stdout.split('\n').map((s) => s.trim()).filter((s) => /^[\w.[\]-]+$/.test(s) && s !== 'busybox').sort();
}

/** exampleLayer builds the single layer: busybox, its applet links, passwd/group and a web root. */
export function exampleLayer(busybox: Buffer, applets: string[]): Buffer {
  const m = EXAMPLE_MTIME;
  const dir = (name: string, mode = 0o755): TarWriterEntry => ({ name, type: 'dir', mode, mtime: m });
  const file = (name: string, data: Buffer | string, mode = 0o644): TarWriterEntry => ({ name, type: 'file', mode, mtime: m, data: Buffer.from(data) });
  const entries: TarWriterEntry[] = [
    dir('bin'),
    file('bin/busybox', busybox, 0o755),
    ...applets.map((a): TarWriterEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mode: 0o777, mtime: m })),
    dir('dev'), dir('etc'),
    file('etc/group', GROUP), file('etc/hostname', ''), file('etc/hosts', ''), file('etc/passwd', PASSWD), file('etc/resolv.conf', ''),
    dir('home'), dir('proc'), dir('root', 0o700), dir('sys'), dir('tmp', 0o1777),
    dir('usr'), dir('usr/bin'), dir('usr/sbin'),
    dir('var'), dir('var/www'), file('var/www/index.html', INDEX_HTML),
  ];
  return writeTar(entries);
}

/** BuiltImage describes what buildBusyboxImage wrote, for callers that want the digests. */
export interface BuiltImage {
  imageId: string;
  manifestDigest: string;
  repoTag: string;
}

/** buildBusyboxImage writes the example image as an OCI layout tarball at outFile (atomically). */
export async function buildBusyboxImage(outFile: string, opts: { tag?: string; busybox?: string } = {}): Promise<BuiltImage> {
  const ref = parseReference(opts.tag ?? 'busybox:latest');
  if (ref.tag === undefined || ref.digest !== undefined) {
    throw new ImageError('FLT_ERR_IMAGE_REFERENCE', `example image tag "${opts.tag}" must be name:tag without a digest`);
  }
  const binary = opts.busybox ?? BUSYBOX_PATH;
  let busybox: Buffer;
  try {
    busybox = await fsp.readFile(binary);
  } catch {
    throw new ImageError('FLT_ERR_IMAGE_NOT_FOUND', `${binary} is missing: install Debian's busybox-static (scripts/setup.sh does)`);
  }
  const layerTar = exampleLayer(busybox, await busyboxApplets(binary));
  const layerGz = gzipSync(layerTar, { level: 6 });
  const layer = { mediaType: MEDIA_TYPES.ociLayerGzip, digest: sha256Digest(layerGz), size: layerGz.length };
  const created = new Date(EXAMPLE_MTIME * 1000).toISOString();
  const configJson = Buffer.from(JSON.stringify({
    created,
    architecture: 'amd64',
    os: 'linux',
    config: { Env: [PATH_ENV], Cmd: ['sh'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [sha256Digest(layerTar)] },
    history: [{ created, created_by: 'flotilla buildBusyboxImage from Debian busybox-static' }],
  }));
  const config = { mediaType: MEDIA_TYPES.ociConfig, digest: sha256Digest(configJson), size: configJson.length };
  const manifestJson = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] }));
  const manifestDigest = sha256Digest(manifestJson);
  const repoTag = `${repositoryName(ref)}:${ref.tag}`;
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [{
      mediaType: MEDIA_TYPES.ociManifest, digest: manifestDigest, size: manifestJson.length,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'io.containerd.image.name': repoTag, 'org.opencontainers.image.ref.name': ref.tag },
    }],
  };
  const blob = (digest: string, data: Buffer): TarWriterEntry => ({ name: `blobs/sha256/${digest.slice(7)}`, type: 'file', data, mtime: EXAMPLE_MTIME });
  const archive = writeTar([
    { name: 'blobs', type: 'dir', mtime: EXAMPLE_MTIME },
    { name: 'blobs/sha256', type: 'dir', mtime: EXAMPLE_MTIME },
    ...[blob(config.digest, configJson), blob(layer.digest, layerGz), blob(manifestDigest, manifestJson)].sort((a, b) => a.name.localeCompare(b.name)),
    { name: 'index.json', type: 'file', data: Buffer.from(JSON.stringify(index)), mtime: EXAMPLE_MTIME },
    { name: 'oci-layout', type: 'file', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })), mtime: EXAMPLE_MTIME },
  ]);
  await fsp.mkdir(path.dirname(path.resolve(outFile)), { recursive: true });
  await writeFileAtomic(outFile, archive);
  return { imageId: config.digest, manifestDigest, repoTag };
}
